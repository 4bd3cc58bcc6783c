"""The door pages of a session (staff and the opportunity's facilitators): the overview, the sign-in sheet and
badges PDFs, and paper check-in afterwards. The kiosk (views_kiosk.py), no-shows and messages (views_followup.py)
register their routes on the same blueprint when imported here."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth.access import signed_in_required
from ..checkin.services import roster_rows
from ..db import commit, utcnow
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..labels import choices
from ..people.models import PERSON_ROLES
from ..registrations.people_lookup import lookup_lea, lookup_school
from ..registrations.services import RegistrationInput
from . import paper
from .access import managed_opportunity, managed_session
from .badges import BadgeStyle, badges_pdf
from .forms import ActionForm, WalkInRow, WalkInSheetForm
from .kiosk import live_kiosks
from .sheets import sign_in_sheet_pdf

bp = Blueprint("door", __name__)


def pdf_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def registration_ids_from(values: list[str]) -> list[int] | None:
    """Chosen registration ids (repeated or comma-separated parameters); None when none were given."""
    ids = [int(part) for value in values for part in value.split(",") if part.strip().isdigit()]
    return ids or None


@bp.get("/staff/door/opportunities/<int:opportunity_id>")
@signed_in_required
def opportunity_page(opportunity_id: int):
    opportunity = managed_opportunity(opportunity_id)
    return render_template("door/opportunity.html", opportunity=opportunity)


@bp.get("/staff/door/sessions/<int:session_id>")
@signed_in_required
def session_page(session_id: int):
    session = managed_session(session_id)
    confirmed = [row for row in roster_rows(session) if row["status"] == "confirmed"]
    return render_template(
        "door/session.html",
        session=session,
        opportunity=session.opportunity,
        confirmed=confirmed,
        kiosks=live_kiosks(session),
        action_form=ActionForm(),
        ended=session.ends_at <= utcnow(),
    )


@bp.get("/staff/door/sessions/<int:session_id>/sign-in-sheet.pdf")
@signed_in_required
def sign_in_sheet(session_id: int):
    session = managed_session(session_id)
    return pdf_response(sign_in_sheet_pdf(session), f"sign-in-sheet-{session.id}.pdf")


@bp.get("/staff/door/sessions/<int:session_id>/badges.pdf")
@signed_in_required
def badges(session_id: int):
    session = managed_session(session_id)
    style = BadgeStyle.TENTS if request.args.get("style") == BadgeStyle.TENTS.value else BadgeStyle.BADGES
    chosen = registration_ids_from(request.args.getlist("r"))
    return pdf_response(badges_pdf(session, style, chosen), f"{style.value}-{session.id}.pdf")


def _walk_in_form() -> WalkInSheetForm:
    form = WalkInSheetForm(prefix="w")
    for row in form.rows:
        row.form.role.choices = [("", _("Choose…")), *choices(PERSON_ROLES)]
    return form


def _paper_page(session, walk_in_form: WalkInSheetForm, status: int = 200):
    rows = [row for row in roster_rows(session) if row["status"] != "cancelled"]
    page = render_template(
        "door/paper.html",
        session=session,
        opportunity=session.opportunity,
        rows=rows,
        action_form=ActionForm(),
        walk_in_form=walk_in_form,
        attendance_at=paper.attendance_time(session),
    )
    return Response(page, status=status)


@bp.get("/staff/door/sessions/<int:session_id>/paper")
@signed_in_required
def paper_page(session_id: int):
    return _paper_page(managed_session(session_id), _walk_in_form())


@bp.post("/staff/door/sessions/<int:session_id>/paper")
@signed_in_required
def paper_mark(session_id: int):
    session = managed_session(session_id)
    if ActionForm().validate_on_submit():
        chosen = registration_ids_from(request.form.getlist("registration_id")) or []
        if not chosen:
            flash(_("Select at least one person."), "error")
        else:
            outcome = paper.mark_present(session, chosen, current_user)
            commit(db.session)
            _flash_outcome(outcome)
    return redirect(url_for("door.paper_page", session_id=session.id), code=303)


def _flash_outcome(outcome: paper.BulkOutcome) -> None:
    n = len(outcome.checked_in)
    flash(ngettext("%(num)d person marked as present.", "%(num)d people marked as present.", n), "success")
    if outcome.already:
        flash(_("Already checked in: %(n)d.", n=len(outcome.already)), "info")
    if outcome.refused:
        flash(
            _("Not checked in (cancelled, waitlisted or not on this roster): %(n)d.", n=len(outcome.refused)), "error"
        )


def _row_input(row: WalkInRow) -> RegistrationInput | None:
    """The row as a walk-in, or None with the row's field errors set."""
    missing = [f for f in (row.first_name, row.last_name, row.email) if not f.data]
    for f in missing:
        f.errors = [*f.errors, _("Required for a walk-in.")]
    try:
        lea = lookup_lea(row.lea.data)
        school = lookup_school(row.school.data, lea)
    except ValidationFailed as err:
        for name, messages in err.fields.items():
            target = row.school if "school" in name else row.lea
            target.errors = [*target.errors, *messages]
        return None
    if missing:
        return None
    return RegistrationInput(
        first_name=row.first_name.data,
        last_name=row.last_name.data,
        email=row.email.data,
        role=row.role.data or "other",
        lea_cd_code=lea.cd_code if lea else None,
        school_cds_code=school.cds_code if school else None,
    )


@bp.post("/staff/door/sessions/<int:session_id>/paper/walk-ins")
@signed_in_required
def paper_walk_ins(session_id: int):
    session = managed_session(session_id)
    form = _walk_in_form()
    if not form.validate_on_submit():
        return _paper_page(session, form, status=422)
    filled = [row.form for row in form.rows if not row.form.is_blank()]
    inputs = [_row_input(row) for row in filled]
    if not filled or any(item is None for item in inputs):
        if not filled:
            flash(_("Fill in at least one walk-in row."), "error")
        return _paper_page(session, form, status=422)
    try:
        results = paper.record_walk_ins(session, [item for item in inputs if item is not None], current_user)
    except (Conflict, ValidationFailed) as err:
        db.session.rollback()
        flash(err.message, "error")
        return _paper_page(session, form, status=422)
    commit(db.session)
    n = len(results)
    flash(
        ngettext("%(num)d walk-in recorded and checked in.", "%(num)d walk-ins recorded and checked in.", n), "success"
    )
    return redirect(url_for("door.paper_page", session_id=session.id), code=303)


from . import mail  # noqa: E402, F401  (registers the outbox handler of group messages)
