"""Attendance pages: a person's own certificates and transcripts (signed manage link), Zoom import."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..auth.access import access_rule, can_manage_opportunity, signed_in_required
from ..db import commit
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..links import LinkInvalid, read_token
from ..localtime import to_local
from ..opportunities.models import Session
from ..people.models import Person
from ..people.views import pdf_response
from ..registrations.people_lookup import survivor
from ..reports.filters import school_year_label
from .certificates import certificate_pdf
from .forms import ZoomMatchForm, ZoomUploadForm
from .services import issue_certificate
from .transcripts import transcript_pdf
from .zoom import ZoomFileError, admit_by_hand, apply_report, check_times_fit, parse_report, required_minutes

bp = Blueprint("attendance", __name__)


class LinkExpired(NotFound):
    status = 410
    code = "link_expired"


class CertificateRevoked(DomainError):
    status = 410
    code = "certificate_revoked"


def person_from_manage_token(token: str) -> Person:
    """The person a signed manage link names (followed to the survivor of a merge)."""
    try:
        data = read_token("manage", token)
    except LinkInvalid as err:
        if err.expired:
            raise LinkExpired(_("This link has expired. Ask for a new one from the sign-in page.")) from err
        raise NotFound(_("This link is not valid.")) from err
    person = db.session.get(Person, data.get("p")) if isinstance(data, dict) else None
    person = survivor(person)
    if person is None or person.erased_at is not None:
        raise NotFound(_("This link is not valid."))
    return person


@access_rule("signed-link")
def own_certificate(token: str, opportunity_id: int):
    """The educator's certificate, issued at the first download; a revoked one is refused with its date."""
    person = person_from_manage_token(token)
    certificate = issue_certificate(person, opportunity_id)
    if certificate is None:
        raise NotFound(_("No attendance at this opportunity is recorded for you."))
    commit(db.session)
    if certificate.revoked_at is not None:
        raise CertificateRevoked(
            _(
                "Certificate %(number)s was revoked on %(date)s. Write to the center if you have a question.",
                number=certificate.number,
                date=format_date(to_local(certificate.revoked_at).date(), "long"),
            )
        )
    return pdf_response(certificate_pdf(certificate), f"certificate-{certificate.number}.pdf")


bp.add_url_rule("/me/<token>/certificates/<int:opportunity_id>.pdf", view_func=own_certificate)


@access_rule("signed-link")
def own_transcript(token: str, year: int):
    if not 2000 <= year <= 2100:
        raise NotFound(_("No such school year."))
    person = person_from_manage_token(token)
    return pdf_response(transcript_pdf(person, year), f"transcript-{school_year_label(year)}.pdf")


bp.add_url_rule("/me/<token>/transcript/<int:year>.pdf", view_func=own_transcript)


# --- Zoom import ---------------------------------------------------------------------------------
def _managed_session(session_id: int) -> Session:
    session = db.session.get(Session, session_id, options=[joinedload(Session.opportunity)])
    if session is None:
        raise NotFound(_("No such session."))
    if not can_manage_opportunity(current_user, session.opportunity):
        raise Forbidden(_("You do not run this learning opportunity."))
    return session


def _render(session, form, outcomes=None, error=None, matched=None, status=200):
    return render_template(
        "attendance/zoom_import.html",
        session=session,
        form=form,
        match_form=ZoomMatchForm(),
        outcomes=outcomes,
        matched=matched,
        error=error,
        needed=required_minutes(session),
    ), status


@bp.route("/staff/sessions/<int:session_id>/zoom-import", methods=["GET", "POST"])
@signed_in_required
def zoom_import(session_id: int):
    session = _managed_session(session_id)
    form = ZoomUploadForm()
    if request.method == "GET":
        return _render(session, form)
    if not form.validate_on_submit():
        return _render(session, form, status=422)
    try:
        attendees = parse_report(form.report.data.read())
        check_times_fit(session, attendees)
    except ZoomFileError as err:
        return _render(session, form, error=str(err), status=422)
    outcomes = apply_report(session, attendees, current_user)
    commit(db.session)
    return _render(session, form, outcomes=outcomes)


def _joined_at(value: str | None) -> datetime | None:
    """The row's first Zoom join as the page sent it back (ISO 8601 with its offset); None when unreadable."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@bp.post("/staff/sessions/<int:session_id>/zoom-import/match")
@signed_in_required
def zoom_match(session_id: int):
    """Rows staff matched by hand: to a person (by id) or added as a new person."""
    session = _managed_session(session_id)
    form = ZoomMatchForm()
    if not form.validate_on_submit():
        return _render(session, ZoomUploadForm(), error=_("The form expired; upload the report again."), status=400)
    results = []
    errors = []
    for index in range(int(request.form.get("count", "0") or 0)):
        choice = (request.form.get(f"match-{index}") or "skip").strip()
        name = request.form.get(f"name-{index}", "")
        try:
            minutes = int(request.form.get(f"minutes-{index}", "0"))
        except ValueError:
            minutes = 0
        if choice == "skip":
            continue
        joined_at = _joined_at(request.form.get(f"joined-{index}"))
        if choice == "new":
            new = {k: (request.form.get(f"{k}-{index}") or "").strip() for k in ("first_name", "last_name", "email")}
            if not all(new.values()) or "@" not in new["email"]:
                errors.append(_("%(name)s: give a first name, a last name and an e-mail to add them.", name=name))
                continue
            status, detail = admit_by_hand(session, None, new, minutes, current_user, joined_at)
        else:
            raw = (request.form.get(f"person-{index}") or "").strip() if choice == "id" else choice
            if not raw.isdigit():
                errors.append(_("%(name)s: give the id of the person to match.", name=name))
                continue
            status, detail = admit_by_hand(session, int(raw), None, minutes, current_user, joined_at)
        results.append((name, status, detail))
    commit(db.session)
    return _render(session, ZoomUploadForm(), matched={"results": results, "errors": errors})
