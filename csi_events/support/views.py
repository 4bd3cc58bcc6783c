"""Staff pages for support activities: log, edit, delete, list with filters, export, import."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..api.pagination import paginate
from ..audit.services import record
from ..auth.access import staff_required
from ..auth.models import User
from ..db import commit
from ..directory.models import Lea, School
from ..directory.subregions import subregion_label
from ..errors import Forbidden, NotFound, ValidationFailed
from ..exports import csv_response, xlsx_response
from ..extensions import db
from ..labels import choices
from ..opportunities.models import PILLARS
from ..people.models import Person
from .forms import SupportActivityForm, SupportFilterForm, SupportImportForm
from .importer import ImportRefused, import_csv
from .models import SUPPORT_KINDS, SUPPORT_MODALITIES, SupportActivity
from .queries import SupportFilters, activities_stmt, activity_ids, figures_for, list_args
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

bp = Blueprint("support", __name__, url_prefix="/staff/support")

PER_PAGE = 50
CONTACTS_LIMIT = 500
EXPORT_HEADER = (
    "id",
    "date",
    "lea",
    "lea_name",
    "subregion",
    "schools",
    "school_names",
    "kind",
    "modality",
    "duration_minutes",
    "hours",
    "staff",
    "contacts",
    "contact_names",
    "topics",
    "notes",
    "created_by",
    "created_at",
)


# --- helpers ----------------------------------------------------------------------------------------------


def _all_leas() -> list[Lea]:
    return list(db.session.scalars(select(Lea).order_by(Lea.name, Lea.cd_code)))


def _staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_(("staff", "admin")), User.active.is_(True)).order_by(User.email)
        )
    )


def _lea_schools(lea_id: int | None) -> list[School]:
    if not lea_id:
        return []
    return list(db.session.scalars(select(School).where(School.lea_id == lea_id).order_by(School.name)))


def _lea_contacts(lea_id: int | None) -> list[Person]:
    if not lea_id:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.lea_id == lea_id, Person.merged_into_id.is_(None), Person.erased_at.is_(None))
            .order_by(Person.last_name, Person.first_name, Person.id)
            .limit(CONTACTS_LIMIT)
        )
    )


def _person_label(p: Person) -> str:
    return f"{p.name} <{p.email}>" if p.email else p.name


def _fill_choices(form: SupportActivityForm) -> None:
    """Choices for the LEA chosen on the form; anything already selected stays listed."""
    lea_id = form.lea.data
    form.lea.choices = [("", _("Choose an LEA…"))] + [
        (lea.id, f"{lea.name} ({lea.cd_code})" + (" · " + _("closed") if lea.is_closed else "")) for lea in _all_leas()
    ]
    schools = _lea_schools(lea_id)
    chosen = set(form.schools.data or []) - {s.id for s in schools}
    if chosen:
        schools += list(db.session.scalars(select(School).where(School.id.in_(chosen))))
    form.schools.choices = [(s.id, f"{s.name} ({s.cds_code})") for s in schools]

    users = _staff_users()
    chosen = set(form.staff.data or []) - {u.id for u in users}
    if chosen:
        users += list(db.session.scalars(select(User).where(User.id.in_(chosen))))
    form.staff.choices = [(u.id, u.label) for u in users]

    people = _lea_contacts(lea_id)
    chosen = set(form.contacts.data or []) - {p.id for p in people}
    if chosen:
        people += list(db.session.scalars(select(Person).where(Person.id.in_(chosen))))
    form.contacts.choices = [(p.id, _person_label(p)) for p in people]


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


def _read_filters() -> tuple[SupportFilterForm, SupportFilters]:
    form = SupportFilterForm(formdata=request.args)
    form.subregion.choices = [("", _("All subregions"))] + [(n, subregion_label(n)) for n in range(1, 9)]
    form.lea.choices = [("", _("All LEAs"))] + [(lea.id, f"{lea.name} ({lea.cd_code})") for lea in _all_leas()]
    form.kind.choices = [("", _("All kinds")), *choices(SUPPORT_KINDS)]
    form.modality.choices = [("", _("All modalities")), *choices(SUPPORT_MODALITIES)]
    form.staff.choices = [("", _("Anyone"))] + [(u.id, u.label) for u in _staff_users()]
    form.validate()

    def ok(field):
        return None if field.errors or field.data in ("", None) else field.data

    filters = SupportFilters(
        date_from=ok(form.date_from),
        date_to=ok(form.date_to),
        subregion=ok(form.subregion),
        lea_id=ok(form.lea),
        kind=ok(form.kind),
        modality=ok(form.modality),
        staff_id=ok(form.staff),
    )
    return form, filters


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100000))
    except ValueError:
        return 1


# --- pages ------------------------------------------------------------------------------------------------


@bp.get("")
@staff_required
def activity_list():
    form, filters = _read_filters()
    page = _page_number()
    activities, total = paginate(activities_stmt(filters), page, PER_PAGE)
    figures = figures_for(filters)
    args = list_args(filters)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template(
        "support/list.html",
        form=form,
        activities=activities,
        total=total,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        figures=figures,
        args=args,
        can_edit=can_edit,
        hours_of=hours_of,
    )


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
    activity = _get_activity(activity_id)
    if not can_edit(current_user, activity):
        raise Forbidden(_("You may change only the support activities you logged or took part in."))
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
    activity = _get_activity(activity_id)
    if not can_edit(current_user, activity):
        raise Forbidden(_("You may change only the support activities you logged or took part in."))
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
            "schools": [{"id": s.id, "label": f"{s.name} ({s.cds_code})"} for s in _lea_schools(lea_id)],
            "contacts": [{"id": p.id, "label": _person_label(p)} for p in _lea_contacts(lea_id)],
        }
    )


def _export_rows(ids: list[int]):
    """Rows in chunks: each chunk loads its activities and what they show in a fixed number of queries."""
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = activities_stmt(SupportFilters()).where(SupportActivity.id.in_(chunk))
        for a in db.session.scalars(stmt):
            yield (
                a.id,
                a.occurred_on.isoformat(),
                a.lea.cd_code,
                a.lea.name,
                a.lea.subregion,
                "; ".join(s.cds_code for s in a.schools),
                "; ".join(s.name for s in a.schools),
                a.kind,
                a.modality,
                a.duration_minutes,
                hours_of(a.duration_minutes),
                "; ".join(u.email for u in a.staff),
                "; ".join(p.email or "" for p in a.contacts),
                "; ".join(p.name for p in a.contacts),
                "; ".join(a.topics.split()),
                a.notes,
                a.created_by.email if a.created_by else "",
                a.created_at.isoformat(),
            )
        db.session.expire_all()


@bp.get("/export.<fmt>")
@staff_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, filters = _read_filters()
    ids = activity_ids(filters)
    record(
        "export",
        actor=current_user,
        what="support_activities",
        format=fmt,
        filters=list_args(filters),
        rows=len(ids),
    )
    commit(db.session)
    filename = f"support-activities-{local_today().isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, EXPORT_HEADER, _export_rows(ids))
    return xlsx_response(filename, EXPORT_HEADER, _export_rows(ids), title=_("Support activities"))


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_page():
    form = SupportImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = import_csv(upload.read(), current_user, filename=upload.filename or "")
        except ImportRefused as err:
            db.session.rollback()
            problems = err.lines
        else:
            commit(db.session)
            flash(
                _(
                    "%(rows)d rows read: %(created)d imported, %(skipped)d already present.",
                    rows=result.rows,
                    created=result.created,
                    skipped=result.skipped,
                ),
                "success",
            )
            return redirect(url_for("support.activity_list"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "support/import.html", form=form, problems=problems, kinds=SUPPORT_KINDS, modalities=SUPPORT_MODALITIES
    ), status
