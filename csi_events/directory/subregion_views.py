"""Staff pages for subregions in bulk: the CSV import, and "set subregion" on the ticked rows of the lists."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth.access import staff_required
from ..db import commit
from ..errors import DomainError
from ..extensions import db
from .forms import BulkSubregionForm, SubregionImportForm
from .subregion_import import SubregionChanges, SubregionFileError, import_subregions, set_subregion
from .views import bp, lea_list, school_list


def changes_message(result: SubregionChanges) -> str:
    return (
        ngettext("%(num)d changed", "%(num)d changed", result.changed)
        + ", "
        + ngettext("%(num)d unchanged", "%(num)d unchanged", result.unchanged)
    )


@bp.route("/subregions/import", methods=["GET", "POST"])
@staff_required
def subregion_import():
    form = SubregionImportForm()
    if request.method == "GET":
        return render_template("directory/subregion_import.html", form=form)
    if not form.validate_on_submit():
        flash(_("Please correct the fields marked below."), "error")
        return render_template("directory/subregion_import.html", form=form), 422
    try:
        result = import_subregions(form.file.data.read(), actor=current_user)
    except SubregionFileError as err:
        db.session.rollback()
        flash(_("The file is refused; no subregion was changed."), "error")
        return render_template("directory/subregion_import.html", form=form, problems=err.problems), 422
    commit(db.session)
    flash(_("The subregions are imported: %(counts)s.", counts=changes_message(result)), "success")
    return render_template("directory/subregion_import.html", form=form, result=result)


def _bulk(kind: str, list_view, list_endpoint: str):
    """Set the subregion of the ticked rows, then back to the list with its filters; a refusal shows the list
    again with the message (422)."""
    form = BulkSubregionForm(prefix="bulk")
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return list_view(), 422
    ids = [v for v in request.form.getlist("ids") if v.isascii() and v.isdigit() and len(v) < 12]
    try:
        result = set_subregion(kind, [int(v) for v in ids], form.subregion.data, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return list_view(), err.status
    commit(db.session)
    flash(_("Subregion set: %(counts)s.", counts=changes_message(result)), "success")
    args: dict[str, Any] = request.args.to_dict()
    return redirect(url_for(list_endpoint, **args))


@bp.post("/leas/subregion")
@staff_required
def lea_subregions():
    return _bulk("lea", lea_list, "directory.lea_list")


@bp.post("/schools/subregion")
@staff_required
def school_subregions():
    return _bulk("school", school_list, "directory.school_list")
