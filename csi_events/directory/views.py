"""Staff pages of the directory: LEAs and schools, their subregion and CCSPP status, and the CDE import."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import staff_required
from ..db import commit
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..paging import page_number
from .cde_import import CdeFileError, parse
from .forms import BulkSubregionForm, ImportForm, LeaForm, SchoolForm
from .models import CCSPP_STATUSES, LEA_KINDS, Lea, School
from .services import (
    import_directory,
    school_counts,
    search_leas,
    search_schools,
    update_lea,
    update_school,
)
from .subregions import SUBREGIONS

bp = Blueprint("directory", __name__, url_prefix="/staff/directory")

PER_PAGE = 50


def _arg_int(name: str, allowed=None) -> int | None:
    value = request.args.get(name, "").strip()
    if not value.isdigit():
        return None
    number = int(value)
    return number if allowed is None or number in allowed else None


def _arg_choice(name: str, allowed) -> str | None:
    value = request.args.get(name, "").strip()
    return value if value in allowed else None


def _get(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_("There is no such record."))
    return obj


def _show_errors(form, err: ValidationFailed) -> None:
    for name, messages in err.fields.items():
        if name in form:
            form[name].errors = list(form[name].errors or []) + list(messages)
    flash(err.message, "error")


@bp.get("/leas")
@staff_required
def lea_list():
    filters = {
        "subregion": _arg_int("subregion", SUBREGIONS),
        "kind": _arg_choice("kind", LEA_KINDS),
        "ccspp_status": _arg_choice("ccspp", CCSPP_STATUSES),
    }
    q = request.args.get("q", "").strip()[:100]
    page = search_leas(q, page=page_number(), per_page=PER_PAGE, **filters)
    counts = school_counts([lea.id for lea in page.items])
    return render_template(
        "directory/lea_list.html",
        page=page,
        counts=counts,
        q=q,
        filters=filters,
        kinds=LEA_KINDS,
        statuses=CCSPP_STATUSES,
        bulk_form=BulkSubregionForm(prefix="bulk"),
    )


@bp.get("/leas/<int:lea_id>")
@staff_required
def lea_detail(lea_id: int):
    lea = _get(Lea, lea_id)
    page = search_schools(None, lea=lea, include_closed=True, page=page_number(), per_page=100)
    counts = school_counts([lea.id]).get(lea.id, (0, 0))
    return render_template("directory/lea_detail.html", lea=lea, page=page, counts=counts)


def _edit_page(form, save, template: str, done_url, **context):
    """GET shows `form`; a valid POST calls save() (the service; returns the changes), commits and redirects
    to done_url(); a refused one shows the form again with 422."""
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                changes = save()
            except ValidationFailed as err:
                db.session.rollback()
                _show_errors(form, err)
            else:
                commit(db.session)
                flash(_("Saved.") if changes else _("Nothing to change."), "success")
                return redirect(done_url())
        else:
            flash(_("Please correct the fields marked below."), "error")
    return render_template(template, form=form, **context), status


@bp.route("/leas/<int:lea_id>/edit", methods=["GET", "POST"])
@staff_required
def lea_edit(lea_id: int):
    lea = _get(Lea, lea_id)
    form = LeaForm(obj=lea)
    return _edit_page(
        form,
        lambda: update_lea(
            lea,
            kind=form.kind.data,
            subregion=form.subregion.data,
            ccspp_status=form.ccspp_status.data,
            ccspp_cohort=form.ccspp_cohort.data,
            aliases=form.aliases.data or "",
            actor=current_user,
        ),
        "directory/lea_edit.html",
        lambda: url_for("directory.lea_detail", lea_id=lea.id),
        lea=lea,
    )


@bp.get("/schools")
@staff_required
def school_list():
    typed = request.args.get("lea", "").strip()
    lea_code = typed if typed.isdigit() and len(typed) == 7 else None
    filters = {
        "subregion": _arg_int("subregion", SUBREGIONS),
        "lea_cd_code": lea_code,
        "include_closed": request.args.get("closed") == "1",
    }
    q = request.args.get("q", "").strip()[:100]
    page = search_schools(q, page=page_number(), per_page=PER_PAGE, **filters)
    lea = db.session.scalar(select(Lea).where(Lea.cd_code == lea_code)) if lea_code else None
    return render_template(
        "directory/school_list.html",
        page=page,
        q=q,
        filters=filters,
        lea=lea,
        bulk_form=BulkSubregionForm(prefix="bulk"),
    )


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@staff_required
def school_edit(school_id: int):
    school = _get(School, school_id)
    form = SchoolForm(obj=school)
    return _edit_page(
        form,
        lambda: update_school(
            school,
            subregion=form.subregion.data,
            ccspp_status=form.ccspp_status.data,
            is_closed=form.is_closed.data,
            actor=current_user,
        ),
        "directory/school_edit.html",
        lambda: url_for("directory.lea_detail", lea_id=school.lea_id),
        school=school,
    )


def _render_import(form, report=None, problems=None):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template(
        "directory/import.html", form=form, report=report, problems=problems, max_mb=limit // (1024 * 1024)
    )


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_file():
    form = ImportForm()
    if request.method == "GET":
        return _render_import(form)
    if not form.validate_on_submit():
        flash(_("Please correct the fields marked below."), "error")
        return _render_import(form), 422
    try:
        parsed = parse(form.file.data.read(), form.county.data)
        report = import_directory(parsed, form.county.data, actor=current_user)
    except CdeFileError as err:
        db.session.rollback()
        flash(_("The file is refused; nothing was imported."), "error")
        return _render_import(form, problems=err.problems), 422
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _render_import(form), err.status
    commit(db.session)
    flash(_("The directory is imported."), "success")
    return _render_import(form, report=report)
