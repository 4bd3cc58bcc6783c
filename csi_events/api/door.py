"""API routes of the door (scope checkin; staff or the opportunity's facilitators): the sign-in sheet and badges
PDFs, paper check-ins in bulk, and a session's no-shows."""

from __future__ import annotations

from typing import Literal

from flask import Response
from pydantic import BaseModel, Field, field_validator

from ..db import commit
from ..door import paper
from ..door.badges import BadgeStyle, badges_pdf
from ..door.noshows import no_shows
from ..door.sheets import sign_in_sheet_pdf
from ..extensions import db
from .checkin import load_session_for
from .spec import route

PDF = "application/pdf"


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=PDF)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


class BadgesQuery(BaseModel):
    style: Literal["badges", "tents"] = Field("badges", description="4 x 3 in badges (6 per sheet) or table tents")
    registration_ids: str | None = Field(
        None,
        max_length=20000,
        pattern=r"^\d{1,12}(,\d{1,12})*$",
        description="Comma-separated registration ids (default: every confirmed person)",
    )


class BulkCheckInBody(BaseModel):
    registration_ids: list[int] = Field(..., min_length=1, max_length=paper.MAX_BULK)
    method: Literal["paper"] = "paper"

    @field_validator("registration_ids")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(v < 1 or v > 2**63 - 1 for v in value):
            raise ValueError("ids are positive integers")
        return value


class RefusedOut(BaseModel):
    id: int
    status: str


class BulkCheckInOut(BaseModel):
    checked_in: int
    already: int
    refused: list[RefusedOut]


class NoShowOut(BaseModel):
    registration_id: int
    person_id: int
    first_name: str
    last_name: str
    email: str | None
    role: str
    lea: str | None
    school: str | None


class NoShowsOut(BaseModel):
    session_id: int
    items: list[NoShowOut]


@route("/sessions/<int:session_id>/sign-in-sheet.pdf", "GET", scope="checkin", media_type=PDF, tags=["door"])
def sign_in_sheet(caller, session_id: int):
    """The printable sign-in sheet (US Letter), in the language of the request (Accept-Language or ?lang=)."""
    session = load_session_for(caller, session_id)
    return _pdf(sign_in_sheet_pdf(session), f"sign-in-sheet-{session.id}.pdf")


@route(
    "/sessions/<int:session_id>/badges.pdf", "GET", scope="checkin", query=BadgesQuery, media_type=PDF, tags=["door"]
)
def badges(caller, query: BadgesQuery, session_id: int):
    """Name badges (or table tents) of the session's confirmed people, or of the chosen registrations."""
    session = load_session_for(caller, session_id)
    chosen = [int(part) for part in query.registration_ids.split(",")] if query.registration_ids else None
    style = BadgeStyle(query.style)
    return _pdf(badges_pdf(session, style, chosen), f"{style.value}-{session.id}.pdf")


@route(
    "/sessions/<int:session_id>/checkins/bulk",
    "POST",
    scope="checkin",
    body=BulkCheckInBody,
    response=BulkCheckInOut,
    tags=["door"],
)
def bulk_checkins(caller, body: BulkCheckInBody, session_id: int):
    """Mark registrations as present from a paper sheet (method paper, at the session's start)."""
    session = load_session_for(caller, session_id)
    outcome = paper.mark_present(session, body.registration_ids, caller.actor, method=body.method)
    commit(db.session)
    return BulkCheckInOut(
        checked_in=len(outcome.checked_in),
        already=len(outcome.already),
        refused=[RefusedOut(id=r.id, status=r.status) for r in outcome.refused],
    )


@route("/sessions/<int:session_id>/no-shows", "GET", scope="checkin", response=NoShowsOut, tags=["door"])
def session_no_shows(caller, session_id: int):
    """The session's confirmed people who were not checked in."""
    session = load_session_for(caller, session_id)
    items = [NoShowOut(**person.__dict__) for person in no_shows(session)]
    return NoShowsOut(session_id=session.id, items=items)
