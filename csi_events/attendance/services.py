"""Issuing, finding, revoking and erasing certificates of attendance (flush only; the caller commits).

A certificate is issued at its first download: a row with a public number that is not guessable in sequence
(the year, then six random characters of a 32-letter alphabet without 0/O and 1/I: about a billion per year).
The same person and opportunity always get the same row (a unique index settles two first downloads at once).
A later download with different figures (another session attended, a corrected name) updates the row's figures
and `reissued_at`; the number stays. Revocation is final for that person and opportunity.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..db import utcnow
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..localtime import local_zone
from ..people.models import Person
from ..reports.person import certificate_data
from .models import Certificate

NUMBER_PREFIX = "CSI"
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 letters: no 0/O, no 1/I to misread
NUMBER_RANDOM_LENGTH = 6
NUMBER_PATTERN = re.compile(rf"^{NUMBER_PREFIX}-\d{{4}}-[{NUMBER_ALPHABET}]{{{NUMBER_RANDOM_LENGTH}}}$")
REASON_MAX = 500
_TRIES = 5  # a number already taken (one chance in a billion) gets another draw


def new_number(now: datetime | None = None) -> str:
    year = (now or utcnow()).astimezone(local_zone()).year
    random_part = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM_LENGTH))
    return f"{NUMBER_PREFIX}-{year}-{random_part}"


def normalize_number(raw: str) -> str | None:
    """The number as stored (upper case, no spaces), or None when it cannot be one."""
    number = re.sub(r"\s+", "", raw or "").upper()
    return number if NUMBER_PATTERN.match(number) else None


def find_by_number(raw: str) -> Certificate | None:
    number = normalize_number(raw)
    if number is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


def _figures(person: Person, data: dict) -> dict:
    sessions = data["sessions"]
    opportunity = data["opportunity"]
    return {
        "person_name": person.name,
        "opportunity_title": opportunity.title,
        "pd_hours": data["pd_hours"],
        "sessions_attended": len(sessions),
        "sessions_total": len(opportunity.sessions),
        "first_session_at": min(r.starts_at for r in sessions),
        "last_session_at": max(r.starts_at for r in sessions),
    }


def _existing(person_id: int, opportunity_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.person_id == person_id, Certificate.opportunity_id == opportunity_id)
    )


def _insert(person: Person, opportunity_id: int, figures: dict) -> Certificate:
    """A new row, or the one a concurrent first download inserted a moment ago."""
    for _attempt in range(_TRIES):
        certificate = Certificate(
            number=new_number(), person_id=person.id, opportunity_id=opportunity_id, issued_at=utcnow(), **figures
        )
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            found = _existing(person.id, opportunity_id)
            if found is not None:
                return found
            continue  # the number was taken: draw another
        return certificate
    raise RuntimeError("no free certificate number after several draws")


def _refresh(certificate: Certificate, figures: dict) -> None:
    """A valid certificate follows the attendance: new figures, same number."""
    if certificate.revoked or certificate.erased:
        return
    changed = {k: v for k, v in figures.items() if getattr(certificate, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(certificate, key, value)
        certificate.reissued_at = utcnow()


def issue_certificate(person: Person, opportunity_id: int) -> Certificate | None:
    """The person's certificate of the opportunity, issued now if it was not yet; None when the person attended
    no session of it. A revoked certificate is returned as it is (the caller refuses it)."""
    data = certificate_data(person.id, opportunity_id)
    if data is None:
        return None
    figures = _figures(person, data)
    certificate = _existing(person.id, opportunity_id)
    if certificate is None:
        certificate = _insert(person, opportunity_id, figures)
    else:
        _refresh(certificate, figures)
    db.session.flush()
    return certificate


def revoke_certificate(certificate: Certificate, *, by, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason for revoking this certificate.")
        raise ValidationFailed(message, fields={"reason": [message]})
    if len(reason) > REASON_MAX:
        message = _("Keep the reason under %(n)d characters.", n=REASON_MAX)
        raise ValidationFailed(message, fields={"reason": [message]})
    if certificate.revoked:
        raise Conflict(_("This certificate was revoked already."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = by.id
    certificate.revoke_reason = reason
    db.session.flush()
    record("certificate_revoked", actor=by, target=certificate, number=certificate.number, reason=reason)


def erase_certificate_names(person_ids: list[int]) -> None:
    """An erased person's certificates stop naming them (the verification page then says so)."""
    db.session.execute(
        update(Certificate).where(Certificate.person_id.in_(person_ids)).values(person_name=None),
        execution_options={"synchronize_session": "fetch"},
    )


def certificates_of_person(person_id: int) -> list[Certificate]:
    """Issued to this person and to the records merged into them, newest first."""
    merged = select(Person.id).where(Person.merged_into_id == person_id)
    return list(
        db.session.scalars(
            select(Certificate)
            .where((Certificate.person_id == person_id) | Certificate.person_id.in_(merged))
            .options(joinedload(Certificate.revoked_by))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def certificates_of_opportunity(opportunity_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.opportunity_id == opportunity_id)
            .options(joinedload(Certificate.revoked_by))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )
