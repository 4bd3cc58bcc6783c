"""Staff pages for one support activity: log, show, edit, delete (and the form's LEA options)."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import staff_required
from ..auth.models import User
from ..db import commit
from ..directory.models import Lea, School
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..opportunities.models import PILLARS
from ..people.models import Person
from .forms import SupportActivityForm
from .models import SupportActivity
from .page_options import all_leas, lea_contacts, lea_schools, person_label, staff_users
from .services import (
    SupportInput,
    can_edit,
    create_activity,
    delete_activity,
    hours_of,
    local_today,
    minutes_from,
    split_topics,
    update_activity,
    validate,
)
from .views import bp


def _fill_choices(form: SupportActivityForm) -> None:
    """Choices for the LEA chosen on the form; anything already selected stays listed."""
    lea_id = form.lea.data
    form.lea.choices = [("", _("Choose an LEA…"))] + [
        (lea.id, f"{lea.name} ({lea.cd_code})" + (" · " + _("closed") if lea.is_closed else "")) for lea in all_leas()
    ]
    schools = lea_schools(lea_id)
    chosen = set(form.schools.data or []) - {s.id for s in schools}
    if chosen:
        schools += list(db.session.scalars(select(School).where(School.id.in_(chosen))))
    form.schools.choices = [(s.id, f"{s.name} ({s.cds_code})") for s in schools]

    users = staff_users()
    chosen = set(form.staff.data or []) - {u.id for u in users}
    if chosen:
        users += list(db.session.scalars(select(User).where(User.id.in_(chosen))))
    form.staff.choices = [(u.id, u.label) for u in users]

    people = lea_contacts(lea_id)
    chosen = set(form.contacts.data or []) - {p.id for p in people}
    if chosen:
        people += list(db.session.scalars(select(Person).where(Person.id.in_(chosen))))
    form.contacts.choices = [(p.id, person_label(p)) for p in people]


FORM_FIELD = {"topics": "tags"}


def _input_from_form(form: SupportActivityForm) -> SupportInput:
    """The form's values as a SupportInput; a duration that cannot be read is reported on the form."""
    minutes = None
    try:
        minutes = minutes_from(form.duration.data, form.duration_unit.data or "minutes")
    except ValueError as err:
        form.duration.errors = [*form.duration.errors, str(err)]
    return SupportInput(
        occurred_on=form.occurred_on.data,
        lea=form.lea.data,
        kind=form.kind.data,
        modality=form.modality.data,
        duration_minutes=minutes,
        schools=list(form.schools.data or []),
        staff=list(form.staff.data or []),
        contacts=list(form.contacts.data or []),
        topics=list(form.topics.data or []) + split_topics(form.tags.data),
        notes=form.notes.data or "",
    )


def _show_errors(form: SupportActivityForm, err: ValidationFailed) -> None:
    for name, messages in err.fields.items():
        target = getattr(form, FORM_FIELD.get(name, name), None)
        if target is None:
            flash("; ".join(messages), "error")
            continue
        if target.errors:
            continue  # the form already said what is wrong with this field
        target.errors = [*target.errors, *messages]


def _save(form: SupportActivityForm, save) -> SupportActivity | None:
    """Run `save(data)` when the form is valid; put every problem on the form otherwise."""
    form_ok = form.validate_on_submit()
    data = _input_from_form(form)
    try:
        if not form_ok or form.duration.errors:
            validate(data)  # report the rules' messages too, in one pass
            return None
        return save(data)
    except ValidationFailed as err:
        db.session.rollback()
        _show_errors(form, err)
        return None


def _get_activity(activity_id: int) -> SupportActivity:
    activity = db.session.get(SupportActivity, activity_id)
    if activity is None:
        raise NotFound(_("This support activity does not exist (it may have been deleted)."))
    return activity


def _editable_activity(activity_id: int) -> SupportActivity:
    """The activity, when the signed-in user may change it (edit and delete share this rule)."""
    activity = _get_activity(activity_id)
    if not can_edit(current_user, activity):
        raise Forbidden(_("You may change only the support activities you logged or took part in."))
    return activity


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = SupportActivityForm()
    if not form.is_submitted():
        form.occurred_on.data = local_today()
        form.staff.data = [current_user.id]
        lea = request.args.get("lea", type=int)
        if lea and db.session.get(Lea, lea):
            form.lea.data = lea
    _fill_choices(form)
    if form.is_submitted() and not form.load_lea.data:
        activity = _save(form, lambda data: create_activity(data, current_user))
        if activity is not None:
            commit(db.session)
            flash(
                _(
                    "Support activity logged: %(lea)s, %(date)s.",
                    lea=activity.lea.name,
                    date=activity.occurred_on.isoformat(),
                ),
                "success",
            )
            if request.form.get("another"):
                return redirect(url_for("support.new"))
            return redirect(url_for("support.activity_list"))
        return render_template("support/form.html", form=form, activity=None), 422
    return render_template("support/form.html", form=form, activity=None)


@bp.get("/<int:activity_id>")
@staff_required
def detail(activity_id: int):
    activity = _get_activity(activity_id)
    return render_template(
        "support/detail.html", activity=activity, editable=can_edit(current_user, activity), hours_of=hours_of
    )


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(activity_id: int):
    activity = _editable_activity(activity_id)
    if request.method == "GET":
        pillars = [t for t in activity.topics.split() if t in PILLARS]
        tags = [t for t in activity.topics.split() if t not in PILLARS]
        form = SupportActivityForm(
            data={
                "occurred_on": activity.occurred_on,
                "lea": activity.lea_id,
                "schools": [s.id for s in activity.schools],
                "kind": activity.kind,
                "modality": activity.modality,
                "duration": str(activity.duration_minutes),
                "duration_unit": "minutes",
                "staff": [u.id for u in activity.staff],
                "contacts": [p.id for p in activity.contacts],
                "topics": pillars,
                "tags": " ".join(tags),
                "notes": activity.notes,
            }
        )
    else:
        form = SupportActivityForm()
    _fill_choices(form)
    if form.is_submitted() and not form.load_lea.data:
        saved = _save(form, lambda data: update_activity(activity, data, current_user))
        if saved is not None:
            commit(db.session)
            flash(_("Support activity saved."), "success")
            return redirect(url_for("support.detail", activity_id=activity.id))
        return render_template("support/form.html", form=form, activity=activity), 422
    return render_template("support/form.html", form=form, activity=activity)


@bp.route("/<int:activity_id>/delete", methods=["GET", "POST"])
@staff_required
def delete(activity_id: int):
    activity = _editable_activity(activity_id)
    if request.method == "POST":
        delete_activity(activity, current_user)
        commit(db.session)
        flash(_("Support activity deleted."), "success")
        return redirect(url_for("support.activity_list"))
    return render_template("support/delete.html", activity=activity, hours_of=hours_of)


@bp.get("/lea-options")
@staff_required
def lea_options():
    """The schools and contacts of one LEA, for the form's script (the form works without it)."""
    lea_id = request.args.get("lea", type=int)
    return jsonify(
        {
            "schools": [{"id": s.id, "label": f"{s.name} ({s.cds_code})"} for s in lea_schools(lea_id)],
            "contacts": [{"id": p.id, "label": person_label(p)} for p in lea_contacts(lea_id)],
        }
    )
