"""API routes for check-in: roster, check-ins with nonces, undo, walk-ins (rules: docs/architecture.md "Check-in rules")."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from pydantic import BaseModel, Field, field_validator

from ..checkin import services
from ..checkin.models import CheckIn
from ..db import commit
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..opportunities.models import Session
from ..registrations.services import RegistrationInput
from .spec import route


class RosterQuery(BaseModel):
    q: str | None = Field(None, max_length=200, description="Filter by name or e-mail")


class CheckInBody(BaseModel):
    session_id: int
    ticket: str = Field(..., max_length=500, description="The ticket token or the QR code's URL")
    nonce: str = Field(..., min_length=1, max_length=64, description="A client UUID; a replay returns the first answer")
    scanned_at: datetime | None = Field(None, description="When the scan happened (offline devices)")
    method: Literal["qr", "search", "offline"] = "qr"
    override: bool = False

    @field_validator("scanned_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            zone = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "America/Los_Angeles"))
            value = value.replace(tzinfo=zone)
        return value


class CheckInOut(BaseModel):
    id: int
    checked_in_at: str
    by: str | None
    method: str
    override: bool = False


class PersonOut(BaseModel):
    name: str
    lea: str | None
    school: str | None
    needs: str | None


class CountsOut(BaseModel):
    checked_in: int
    confirmed: int
    walk_ins: int = 0


class CheckInAnswer(BaseModel):
    status: services.ScanStatus
    checkin: CheckInOut | None
    person: PersonOut | None
    counts: CountsOut
    message: str | None = Field(None, description="wrong_session: which learning opportunity the ticket is for")


class WalkInBody(BaseModel):
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str = Field(..., min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: str = Field("other", max_length=40)
    lea_cd_code: str | None = Field(None, max_length=7)
    school_cds_code: str | None = Field(None, max_length=14)
    organization: str | None = Field(None, max_length=200)
    needs: str | None = Field(None, max_length=2000)


def load_session_for(caller, session_id: int) -> Session:
    """The session, if the caller may check people in for it (staff, or a facilitator of it)."""
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound(_("No session has this id."))
    if not services.may_check_in(caller.actor, session):
        raise Forbidden(_("Only staff and the facilitators of this learning opportunity may check people in."))
    return session


def session_json(session: Session) -> dict:
    opens, closes = session.checkin_window
    return {
        "id": session.id,
        "opportunity_id": session.opportunity_id,
        "title": session.opportunity.title,
        "modality": session.opportunity.modality,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "checkin_opens_at": opens.isoformat(),
        "checkin_closes_at": closes.isoformat(),
        "venue": session.venue,
        "virtual_url": session.virtual_url,
    }


@route("/sessions/<int:session_id>/roster", "GET", scope="checkin", query=RosterQuery, tags=["check-in"])
def roster(caller, query: RosterQuery, session_id: int):
    """Everyone registered for the session's opportunity, with their check-in for this session."""
    session = load_session_for(caller, session_id)
    items = services.roster_rows(session, q=query.q)
    counts = asdict(services.session_counts(session))
    return {"session": session_json(session), "items": items, "counts": counts}


@route("/checkins", "POST", scope="checkin", body=CheckInBody, response=CheckInAnswer, tags=["check-in"])
def create_checkin(caller, body: CheckInBody):
    """Check a ticket in; 200 for every answer. The same nonce again returns the first answer."""
    outcome = services.scan(
        body.session_id,
        caller.actor,
        body.ticket,
        body.nonce,
        method=body.method,
        override=body.override,
        scanned_at=body.scanned_at,
    )
    if outcome.session is None:
        raise NotFound(_("No session has this id."))
    if outcome.result is None:
        raise Forbidden(_("Only staff and the facilitators of this learning opportunity may check people in."))
    commit(db.session)
    return outcome.result.answer.to_json()


@route("/checkins/<int:checkin_id>", "DELETE", scope="checkin", tags=["check-in"])
def undo_checkin(caller, checkin_id: int):
    """Undo a check-in (soft: who and when are kept)."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(_("No check-in has this id."))
    session = load_session_for(caller, checkin.session_id)
    services.undo(checkin, caller.actor)
    counts = asdict(services.session_counts(session))
    commit(db.session)
    return {"status": "undone", "counts": counts}


@route(
    "/sessions/<int:session_id>/walk-ins",
    "POST",
    scope="checkin",
    body=WalkInBody,
    status=201,
    more_responses={200: None},  # 200: not checked in (the answer's status says why)
    tags=["check-in"],
)
def create_walk_in(caller, body: WalkInBody, session_id: int):
    """Register a walk-in (new person if needed) and check them in, in one step."""
    session = load_session_for(caller, session_id)
    outcome = services.walk_in(session, RegistrationInput(**body.model_dump()), caller.actor)
    registration = outcome.registration
    answer = outcome.result.answer.to_json()
    answer["registration"] = {
        "id": registration.id,
        "status": registration.status,
        "source": registration.source,
        "ticket": registration.ticket,
        "created": outcome.created,
        "matched_existing_person": outcome.matched_existing_person,
    }
    commit(db.session)
    return answer, (201 if answer["status"] == "ok" else 200)
