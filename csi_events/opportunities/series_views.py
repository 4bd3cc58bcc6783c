"""Staff pages for running a series: the script's "Fill sessions" request and "Duplicate"."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import staff_required
from ..db import commit
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .duplicate import duplicate_opportunity
from .forms import DuplicateForm, OpportunityForm
from .queries import load_opportunity
from .series_fill import fill_sessions, filled_notice
from .staff_views import edit_page_with
from .views import bp


@bp.post("/staff/opportunities/fill-sessions")
@staff_required
def fill_sessions_json():
    """The opportunity form as posted (the CSRF token included) -> {"html": the session rows, "message"}, or a 422
    with {"message", "errors": {form field: [messages]}}. The rule is applied by the same code as the page's
    button (series_fill), so the script only swaps the rows in."""
    form = OpportunityForm()
    form.validate()
    errors = fill_sessions(form)
    if errors:
        return jsonify({"message": _("The sessions could not be filled."), "errors": errors}), 422
    message = filled_notice(form)
    form.pad_sessions(1)
    html = render_template("opportunities/_session_list.html", form=form)
    return jsonify({"html": html, "message": message})


@bp.post("/staff/opportunities/<int:opportunity_id>/duplicate")
@staff_required
def duplicate(opportunity_id: int):
    opp = load_opportunity(opportunity_id)
    if opp is None:
        raise NotFound(_("There is no learning opportunity with this number."))
    form = DuplicateForm()
    if not form.validate_on_submit() or form.first_day.data is None:
        if not form.first_day.errors:
            form.first_day.errors = [_("Give the date of the copy's first session.")]
        return edit_page_with(opp, form, 422)
    try:
        copy = duplicate_opportunity(opp, form.first_day.data, actor=current_user)
        commit(db.session)
    except ValidationFailed as err:
        db.session.rollback()
        messages = [m for field in (err.fields or {}).values() for m in field] or [err.message]
        form.first_day.errors = messages
        return edit_page_with(load_opportunity(opportunity_id) or opp, form, 422)
    flash(
        _("“%(t)s” is a draft copy. Check its sessions' dates, then publish it.", t=copy.title),
        "success",
    )
    return redirect(url_for("opportunities.edit", opportunity_id=copy.id)), 303
