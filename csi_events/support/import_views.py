"""Staff page for support activities: importing a CSV file."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import staff_required
from ..db import commit
from ..extensions import db
from .forms import SupportImportForm
from .importer import ImportRefused, import_csv
from .models import SUPPORT_KINDS, SUPPORT_MODALITIES
from .views import bp


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
