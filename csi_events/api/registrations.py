"""API routes for registrations (shapes: the OpenAPI document /api/v1/openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit.services import record
from ..auth.services import find_api_token
from ..db import commit
from ..errors import NotFound
from ..extensions import db, limiter
from ..opportunities.models import LearningOpportunity
from ..people.models import PERSON_ROLES, Person
from ..registrations import services
from ..registrations.manage_links import manage_url
from ..registrations.models import Registration
from ..registrations.qr import ticket_url
from ..registrations.views import registration_limit
from .auth import Caller
from .pagination import PageQuery, page_body, paginate
from .spec import route

Role = Literal[PERSON_ROLES]  # type: ignore[valid-type]


class RegistrationBody(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr = Field(max_length=254)
    role: Role
    lea_cd_code: str | None = Field(None, pattern=r"^\d{7}$")
    school_cds_code: str | None = Field(None, pattern=r"^\d{14}$")
    organization: str | None = Field(None, max_length=200)
    needs: str | None = Field(None, max_length=2000)

    @field_validator("lea_cd_code", "school_cds_code", "organization", "needs", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value


class RegistrationCreated(BaseModel):
    id: int | None = None
    status: Literal["confirmed", "waitlisted", "already_registered"]
    waitlist_position: int | None = None
    ticket_url: str | None = None
    manage_url: str | None = None
    ticket: str | None = Field(None, description="Only for callers with the write scope.")


class RegistrationReceived(BaseModel):
    """What an anonymous caller learns: the same for a new address and for one already registered."""

    status: Literal["received"]
    message: str


class AlreadyRegistered(BaseModel):
    """A `write` token registered someone already registered: nothing new is stored, the confirmation is
    e-mailed again, and the existing registration is named."""

    status: Literal["already_registered"]
    id: int
    ticket: str


class PersonBrief(BaseModel):
    id: int
    name: str
    email: str | None
    lea: str | None
    lea_cd_code: str | None
    school: str | None
    school_cds_code: str | None
    organization: str | None


class RegistrationItem(BaseModel):
    id: int
    person: PersonBrief
    status: Literal["confirmed", "waitlisted", "cancelled"]
    waitlist_position: int | None
    source: str
    needs: str | None
    created_at: datetime


class RegistrationPage(BaseModel):
    items: list[RegistrationItem]
    page: int
    per_page: int
    total: int


class CancelAnswer(BaseModel):
    status: Literal["cancelled"]
    promoted: int | None
    promoted_ids: list[int]


def _trusted_writer() -> bool:
    """A bearer token with the write scope (another system registering people) is not rate-limited."""
    kind, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        return False
    row = find_api_token(token.strip())
    return row is not None and "write" in row.scope_set


@route(
    "/opportunities/<int:opportunity_id>/registrations",
    "POST",
    body=RegistrationBody,
    response=RegistrationCreated,
    status=201,
    more_responses={202: RegistrationReceived, 200: AlreadyRegistered},
    summary=(
        "Register a person. Anonymous callers (rate-limited) always get 202 `received`, new address or not; the "
        "ticket goes to the mailbox. A `write` token gets 201 with the ticket, or 200 `already_registered`."
    ),
    tags=["registrations"],
)
@limiter.shared_limit(registration_limit, scope="registration", exempt_when=_trusted_writer)
def create_registration(caller: Caller, body: RegistrationBody, opportunity_id: int):
    # With its sessions in the same query: the registration window check reads them.
    opportunity = db.session.get(
        LearningOpportunity, opportunity_id, options=[joinedload(LearningOpportunity.sessions)]
    )
    if opportunity is None:
        raise NotFound(_("There is no such learning opportunity."))
    writer = caller.has("write")
    data = services.RegistrationInput(
        first_name=body.first_name,
        last_name=body.last_name,
        email=str(body.email),
        role=body.role,
        lea_cd_code=body.lea_cd_code,
        school_cds_code=body.school_cds_code,
        organization=body.organization,
        needs=body.needs,
    )
    outcome = services.register(opportunity, data, source="import" if writer else "online")
    reg = outcome.registration
    # Read what the answer needs before the commit expires the objects.
    reg_id, status, position, ticket, person_id = reg.id, reg.status, reg.waitlist_position, reg.ticket, reg.person_id
    commit(db.session)
    if not writer:
        # Anyone may type any address: an anonymous caller gets one answer whether the address was new or
        # already registered, and the ticket (or the re-sent confirmation) goes to that mailbox only.
        return {
            "status": "received",
            "message": _("We have e-mailed the confirmation with the ticket to the address given."),
        }, 202
    if not outcome.created:
        return {"status": "already_registered", "id": reg_id, "ticket": ticket}, 200
    return {
        "id": reg_id,
        "status": status,
        "waitlist_position": position,
        "ticket_url": ticket_url(ticket),
        "manage_url": manage_url(person_id),
        "ticket": ticket,
    }, 201


def _person_brief(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "lea": person.lea.name if person.lea else None,
        "lea_cd_code": person.lea.cd_code if person.lea else None,
        "school": person.school.name if person.school else None,
        "school_cds_code": person.school.cds_code if person.school else None,
        "organization": person.organization,
    }


class RegistrationListQuery(PageQuery):
    status: Literal["confirmed", "waitlisted", "cancelled"] | None = None


@route(
    "/opportunities/<int:opportunity_id>/registrations",
    "GET",
    scope="read",
    query=RegistrationListQuery,
    response=RegistrationPage,
    summary="The registrations of an opportunity: confirmed first, then the waitlist in order, then cancelled.",
    tags=["registrations"],
)
def list_registrations(caller: Caller, query: RegistrationListQuery, opportunity_id: int):
    if db.session.get(LearningOpportunity, opportunity_id) is None:
        raise NotFound(_("There is no such learning opportunity."))
    order = case({"confirmed": 0, "waitlisted": 1}, value=Registration.status, else_=2)
    stmt = (
        select(Registration)
        .where(Registration.opportunity_id == opportunity_id)
        .options(
            selectinload(Registration.person).selectinload(Person.lea),
            selectinload(Registration.person).selectinload(Person.school),
        )
        .order_by(order, Registration.waitlist_position, Registration.created_at, Registration.id)
    )
    if query.status:
        stmt = stmt.where(Registration.status == query.status)
    rows, total = paginate(stmt, query.page, query.per_page)
    items = [
        {
            "id": reg.id,
            "person": _person_brief(reg.person),
            "status": reg.status,
            "waitlist_position": reg.waitlist_position,
            "source": reg.source,
            "needs": reg.needs,
            "created_at": reg.created_at.isoformat(),
        }
        for reg in rows
    ]
    return page_body(items, query.page, query.per_page, total)


@route(
    "/registrations/<int:registration_id>/cancel",
    "POST",
    scope="write",
    response=CancelAnswer,
    summary="Cancel a registration; the first waitlisted person is confirmed and told by e-mail.",
    tags=["registrations"],
)
def cancel_registration(caller: Caller, registration_id: int):
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("There is no such registration."))
    promoted = [r.id for r in services.cancel(reg)]
    record(
        "registration_cancelled_by_staff",
        actor=caller.user,
        target=reg,
        opportunity_id=reg.opportunity_id,
        promoted=promoted,
        via="api",
    )
    commit(db.session)
    return {"status": "cancelled", "promoted": promoted[0] if promoted else None, "promoted_ids": promoted}
