"""Staff pages for opportunities: the list, the create/edit form (with its sessions) and the status buttons."""

from __future__ import annotations

from collections.abc import Sequence

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import staff_required
from ..auth.models import User
from ..db import commit
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..localtime import DateOutOfRange, local_to_utc, to_local
from ..paging import page_number
from . import services, transitions
from .duplicate import next_run_day
from .forms import DuplicateForm, OpportunityForm, StatusForm
from .models import STATUSES, LearningOpportunity
from .queries import load_opportunity, staff_page, status_counts
from .series_fill import attach, fill_sessions, filled_notice
from .validation import FACILITATOR_ROLES, OpportunityInput, SessionInput, validate_input
from .views import bp

STAFF_PER_PAGE = 50


@bp.get("/staff/opportunities")
@staff_required
def staff_list():
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:200] or None
    result = staff_page(status, q, page_number(), STAFF_PER_PAGE)
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template(
        "opportunities/staff_list.html",
        result=result,
        status=status,
        q=q or "",
        counts=status_counts(),
        args=args,
        status_form=StatusForm(),
    )


def _facilitator_choices(current: Sequence[User] = ()) -> list[tuple[int, str]]:
    users = list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(FACILITATOR_ROLES), User.active.is_(True))
            .order_by(User.display_name, User.email)
        )
    )
    users += [u for u in current if u not in users]
    return [(u.id, f"{u.display_name} <{u.email}>" if u.display_name else u.email) for u in users]


def _fill_form(form: OpportunityForm, opp: LearningOpportunity) -> None:
    form.title.data = opp.title
    form.summary.data = opp.summary
    form.description.data = opp.description
    form.kind.data = opp.kind
    form.modality.data = opp.modality
    form.subregion.data = "" if opp.subregion is None else str(opp.subregion)
    form.audience.data = opp.audience
    form.topics.data = [t for t in opp.topics if t in dict(form.topics.choices)]
    form.tags.data = ", ".join(t for t in opp.topics if t not in dict(form.topics.choices))
    form.capacity.data = "" if opp.capacity is None else str(opp.capacity)
    form.pd_hours.data = f"{opp.pd_hours.normalize():f}" if opp.pd_hours else ""
    for prefix, value in (
        ("registration_opens", opp.registration_opens_at),
        ("registration_closes", opp.registration_closes_at),
    ):
        local = to_local(value)
        getattr(form, f"{prefix}_day").data = local.date() if local else None
        getattr(form, f"{prefix}_time").data = local.time().replace(tzinfo=None) if local else None
    form.facilitators.data = [u.id for u in opp.facilitators]
    while len(form.sessions):
        form.sessions.pop_entry()
    for session in opp.sessions:
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        form.sessions.append_entry(
            {
                "id": str(session.id),
                "day": start.date(),
                "start_time": start.time().replace(tzinfo=None),
                "end_time": end.time().replace(tzinfo=None),
                "venue": session.venue or "",
                "virtual_url": session.virtual_url or "",
            }
        )


def _local(day, moment, errors: dict, name: str, *, default_time=None):
    if day is None:
        if moment is not None:
            errors.setdefault(name, []).append(_("Give the date as well as the time."))
        return None
    moment = moment or default_time
    if moment is None:
        return None
    try:
        return local_to_utc(day, moment)
    except DateOutOfRange as err:
        errors.setdefault(name, []).append(err.message)
        return None
    except ValueError:
        errors.setdefault(name, []).append(
            _("This time does not exist in Los Angeles (the clocks move forward that night).")
        )
        return None


def _input_from_form(form: OpportunityForm) -> tuple[OpportunityInput, list[int], dict[str, list[str]]]:
    """The service input, which form row each session came from, and conversion errors."""
    from datetime import time

    errors: dict[str, list[str]] = {}
    sessions: list[SessionInput] = []
    rows: list[int] = []
    for row, entry in enumerate(form.sessions):
        sub = entry.form
        if sub.remove.data or sub.is_blank():
            continue
        index = len(sessions)
        try:
            session_id = int(sub.id.data) if sub.id.data else None
        except ValueError:
            session_id = None
        sessions.append(
            SessionInput(
                starts_at=_local(sub.day.data, sub.start_time.data, errors, f"sessions.{index}.starts_at"),
                ends_at=_local(sub.day.data, sub.end_time.data, errors, f"sessions.{index}.ends_at"),
                venue=sub.venue.data,
                virtual_url=sub.virtual_url.data,
                id=session_id,
            )
        )
        rows.append(row)
    tags = [t for t in (form.tags.data or "").split(",") if t.strip()]
    data = OpportunityInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        description=form.description.data or "",
        kind=form.kind.data,
        modality=form.modality.data,
        subregion=form.subregion.data or None,
        audience=form.audience.data or "",
        topics=[t for t in (form.topics.data or []) if t] + tags,
        capacity=form.capacity.data,
        pd_hours=form.pd_hours.data,
        registration_opens_at=_local(
            form.registration_opens_day.data,
            form.registration_opens_time.data,
            errors,
            "registration_opens_at",
            default_time=time(0, 0),
        ),
        registration_closes_at=_local(
            form.registration_closes_day.data,
            form.registration_closes_time.data,
            errors,
            "registration_closes_at",
            default_time=time(23, 59),
        ),
        facilitators=list(form.facilitators.data or []),
        sessions=sessions,
    )
    return data, rows, errors


SESSION_FIELD = {"starts_at": "start_time", "ends_at": "end_time", "venue": "venue", "virtual_url": "virtual_url"}
TOP_FIELD = {
    "topics": "tags",
    "registration_opens_at": "registration_opens_day",
    "registration_closes_at": "registration_closes_day",
}


def _attach_errors(form: OpportunityForm, rows: list[int], fields: dict[str, list[str]]) -> list[str]:
    """Put each service message next to its input; return those that belong to no single input."""
    general: list[str] = []
    for name, messages in fields.items():
        target = None
        parts = name.split(".")
        if parts[0] == "sessions" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            sub = form.sessions[rows[int(parts[1])]].form
            target = getattr(sub, SESSION_FIELD.get(parts[2], ""), None)
        elif len(parts) == 1 and name != "sessions":
            target = getattr(form, TOP_FIELD.get(name, name), None)
        if target is None:
            general.extend(messages)
        else:
            target.errors = [*target.errors, *[m for m in messages if m not in target.errors]]
    return general


def _field_errors(form: OpportunityForm) -> list[tuple[str, str]]:
    """(input id, message) for every input with an error, in page order: the error summary's links."""
    found: list[tuple[str, str]] = []
    for name, f in form._fields.items():
        if name == "csrf_token":
            continue
        if name == "sessions":
            for number, entry in enumerate(f, start=1):
                label = _("Session %(n)d", n=number)
                found += [(sub.id, f"{label}: {m}") for sub in entry.form for m in sub.errors]
            continue
        found += [(f.id, str(m)) for m in f.errors]
    return found


def _edit_page(
    form: OpportunityForm,
    opp: LearningOpportunity | None,
    general: list[str],
    status: int = 200,
    *,
    duplicate_form: DuplicateForm | None = None,
    notice: str = "",
):
    form.pad_sessions(1 if opp is None else 2)
    from .forms import SessionForm

    template_row = SessionForm(prefix="sessions-__index__-")
    if duplicate_form is None and opp is not None:
        duplicate_form = DuplicateForm(formdata=None, first_day=next_run_day(opp))
    return (
        render_template(
            "opportunities/edit.html",
            form=form,
            opp=opp,
            general_errors=general,
            field_errors=_field_errors(form) if status >= 400 else [],
            template_row=template_row,
            status_form=StatusForm(),
            duplicate_form=duplicate_form,
            fill_notice=notice,
        ),
        status,
    )


def edit_page_with(opp: LearningOpportunity, duplicate_form: DuplicateForm, status: int):
    """The edit page of `opp` as stored, with the duplicate form's errors (series_views)."""
    form = OpportunityForm(formdata=None, facilitator_choices=_facilitator_choices(opp.facilitators))
    _fill_form(form, opp)
    return _edit_page(form, opp, [], status, duplicate_form=duplicate_form)


def _fill(form: OpportunityForm, opp: LearningOpportunity | None):
    """The "Fill sessions" button without JavaScript: the same page with the rule's rows, nothing saved."""
    form.validate()  # reads the dates and times typed so far
    errors = fill_sessions(form)
    attach(form, errors)
    notice = "" if errors else filled_notice(form)
    return _edit_page(form, opp, [], 422 if errors else 200, notice=notice)


def _save(form: OpportunityForm, opp: LearningOpportunity | None):
    form_ok = form.validate()
    data, rows, errors = _input_from_form(form)
    general: list[str] = []
    if not form_ok and getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
        general.append(_("This form has expired; please submit it again."))
    try:
        if form_ok and not errors:
            if opp is None:
                opp = services.create_opportunity(data, actor=current_user)
                message = _("The draft “%(t)s” is saved. Publish it when it is ready.", t=opp.title)
            else:
                services.update_opportunity(opp, data, actor=current_user)
                message = _("Your changes to “%(t)s” are saved.", t=opp.title)
            if "publish" in request.form and opp.status == "draft":
                transitions.publish(opp, actor=current_user)
                message = _("“%(t)s” is saved and published in the catalog.", t=opp.title)
            commit(db.session)
            flash(message, "success")
            return redirect(url_for("opportunities.edit", opportunity_id=opp.id))
        validate_input(data)  # only to show every rule's message at once
    except ValidationFailed as err:
        db.session.rollback()
        general += _attach_errors(form, rows, err.fields)
        if not err.fields:
            general.append(err.message)
    _attach_errors(form, rows, errors)
    if opp is not None:
        opp = db.session.get(LearningOpportunity, opp.id)
    return _edit_page(form, opp, general, 422)


@bp.route("/staff/opportunities/new", methods=["GET", "POST"])
@staff_required
def new():
    form = OpportunityForm(facilitator_choices=_facilitator_choices())
    if request.method == "POST":
        return _fill(form, None) if "fill_sessions" in request.form else _save(form, None)
    form.pad_sessions()
    return _edit_page(form, None, [])


@bp.route("/staff/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(opportunity_id: int):
    opp = load_opportunity(opportunity_id)
    if opp is None:
        raise NotFound(_("There is no learning opportunity with this number."))
    form = OpportunityForm(facilitator_choices=_facilitator_choices(opp.facilitators))
    if request.method == "POST":
        return _fill(form, opp) if "fill_sessions" in request.form else _save(form, opp)
    _fill_form(form, opp)
    return _edit_page(form, opp, [])


def _transition(opportunity_id: int, action, done_message: str):
    opp = db.session.get(LearningOpportunity, opportunity_id)
    if opp is None:
        raise NotFound(_("There is no learning opportunity with this number."))
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("This form has expired; please try again."), "error")
        return redirect(url_for("opportunities.edit", opportunity_id=opp.id)), 303
    try:
        action(opp, actor=current_user)
        commit(db.session)
        flash(done_message % {"t": opp.title}, "success")
    except (Conflict, ValidationFailed) as err:
        db.session.rollback()
        flash(err.message, "error")
    target = request.form.get("next")
    if target == "list":
        return redirect(url_for("opportunities.staff_list")), 303
    return redirect(url_for("opportunities.edit", opportunity_id=opportunity_id)), 303


@bp.post("/staff/opportunities/<int:opportunity_id>/publish")
@staff_required
def publish(opportunity_id: int):
    return _transition(opportunity_id, transitions.publish, _("“%(t)s” is published in the catalog."))


@bp.post("/staff/opportunities/<int:opportunity_id>/cancel")
@staff_required
def cancel(opportunity_id: int):
    return _transition(opportunity_id, transitions.cancel, _("“%(t)s” is cancelled."))


@bp.post("/staff/opportunities/<int:opportunity_id>/archive")
@staff_required
def archive(opportunity_id: int):
    return _transition(opportunity_id, transitions.archive, _("“%(t)s” is archived."))
