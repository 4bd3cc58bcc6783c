"""Attendance pages: a person's own certificates and transcripts (signed manage link), Zoom import."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..links import LinkInvalid, read_token
from ..people.models import Person
from ..people.views import pdf_response
from ..reports.filters import school_year_label
from .certificates import certificate_pdf, transcript_pdf

bp = Blueprint("attendance", __name__)


class LinkExpired(NotFound):
    status = 410
    code = "link_expired"


def person_from_manage_token(token: str) -> Person:
    """The person a signed manage link names (followed to the survivor of a merge)."""
    try:
        data = read_token("manage", token)
    except LinkInvalid as err:
        if err.expired:
            raise LinkExpired(_("This link has expired. Ask for a new one from the sign-in page.")) from err
        raise NotFound(_("This link is not valid.")) from err
    person = db.session.get(Person, data.get("p")) if isinstance(data, dict) else None
    if person is not None and person.merged_into_id is not None:
        person = db.session.get(Person, person.merged_into_id)
    if person is None or person.erased_at is not None:
        raise NotFound(_("This link is not valid."))
    return person


def own_certificate(token: str, opportunity_id: int):
    person = person_from_manage_token(token)
    data = certificate_pdf(person, opportunity_id)
    if data is None:
        raise NotFound(_("No attendance at this opportunity is recorded for you."))
    return pdf_response(data, f"certificate-{opportunity_id}.pdf")


own_certificate.access_rule = "signed-link"
bp.add_url_rule("/me/<token>/certificates/<int:opportunity_id>.pdf", view_func=own_certificate)


def own_transcript(token: str, year: int):
    if not 2000 <= year <= 2100:
        raise NotFound(_("No such school year."))
    person = person_from_manage_token(token)
    return pdf_response(transcript_pdf(person, year), f"transcript-{school_year_label(year)}.pdf")


own_transcript.access_rule = "signed-link"
bp.add_url_rule("/me/<token>/transcript/<int:year>.pdf", view_func=own_transcript)
