"""API routes for opportunities: list, detail, create, patch, duplicate (shapes: the OpenAPI document /api/v1/openapi.json)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from ..db import commit
from ..errors import NotFound
from ..extensions import db
from ..localtime import to_local
from ..opportunities import services
from ..opportunities.duplicate import duplicate_opportunity as duplicate_as_draft
from ..opportunities.models import LearningOpportunity
from ..opportunities.queries import CatalogFilters, Counts, catalog_page, load_opportunity, registration_counts
from ..opportunities.transitions import change_status, publish
from ..opportunities.validation import OpportunityInput, SessionInput, input_from, normalize_topic
from .auth import Caller
from .schemas_opportunities import (
    OpportunityCreate,
    OpportunityDuplicate,
    OpportunityList,
    OpportunityListQuery,
    OpportunityOut,
    OpportunityPatch,
    SessionIn,
    SessionOut,
)
from .spec import route

TAGS = ["opportunities"]


def sees_private_fields(caller: Caller) -> bool:
    """Sessions' virtual_url and the facilitators' e-mails: for callers with the read (or write) scope only,
    as the public pages and the public .ics leave them out (docs/security.md, "Public API")."""
    return caller.has("read") or caller.has("write")


def opportunity_body(opp: LearningOpportunity, counts: Counts | None = None, *, private: bool = True) -> dict:
    """The opportunity as OpportunityOut; times with their Los Angeles offset. private=False leaves out
    `facilitators` and each session's `virtual_url`."""
    counts = counts or Counts()
    local = to_local
    seats_left = None if opp.capacity is None else max(opp.capacity - counts.confirmed, 0)
    body = OpportunityOut(
        id=opp.id,
        title=opp.title,
        summary=opp.summary or "",
        description=opp.description or "",
        kind=opp.kind,
        modality=opp.modality,
        subregion=opp.subregion,
        audience=opp.audience or "",
        topics=list(opp.topics),
        capacity=opp.capacity,
        seats_left=seats_left,
        confirmed_count=counts.confirmed,
        waitlist_count=counts.waitlisted,
        pd_hours=float(opp.pd_hours or 0),
        registration_opens_at=local(opp.registration_opens_at),
        registration_closes_at=local(opp.registration_closes_at),
        status=opp.status,
        facilitators=[u.email for u in opp.facilitators] if private else [],
        sessions=[
            SessionOut(
                id=s.id,
                starts_at=local(s.starts_at),
                ends_at=local(s.ends_at),
                venue=s.venue,
                virtual_url=s.virtual_url if private else None,
            )
            for s in opp.sessions
        ],
        url=f"{current_app.config['BASE_URL']}/opportunities/{opp.id}",
    ).model_dump(mode="json")
    if not private:
        body.pop("facilitators")
        for session in body["sessions"]:
            session.pop("virtual_url")
    return body


def _body_of(opportunity_id: int) -> dict:
    db.session.expire_all()
    opp = load_opportunity(opportunity_id)
    if opp is None:  # deleted by another request since this one wrote it
        raise NotFound(_("There is no learning opportunity %(id)s.", id=opportunity_id))
    return opportunity_body(opp, registration_counts([opp.id]).get(opp.id))


def _session_inputs(items: list[SessionIn]) -> list[SessionInput]:
    return [SessionInput(s.starts_at, s.ends_at, s.venue, s.virtual_url, id=s.id) for s in items]


@route("/opportunities", query=OpportunityListQuery, response=OpportunityList, tags=TAGS)
def list_opportunities(caller: Caller, query: OpportunityListQuery):
    """Published learning opportunities, next session first (with past=true: those that are over)."""
    filters = CatalogFilters(
        subregion=query.subregion,
        modality=query.modality,
        kind=query.kind,
        topic=normalize_topic(query.topic) if query.topic else None,
        q=query.q,
        date_from=query.date_from,
        date_to=query.to,
        when="past" if query.past else "upcoming",
    )
    result = catalog_page(filters, query.page, query.per_page, facilitators=sees_private_fields(caller))
    return {
        "items": [
            opportunity_body(item.opportunity, item.counts, private=sees_private_fields(caller))
            for item in result.items
        ],
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
    }


@route("/opportunities/<int:opportunity_id>", response=OpportunityOut, tags=TAGS)
def get_opportunity(caller: Caller, opportunity_id: int):
    """One learning opportunity. Drafts only for callers with the read or write scope."""
    opp = load_opportunity(opportunity_id)
    if opp is None or (opp.status == "draft" and not (caller.has("read") or caller.has("write"))):
        raise NotFound(_("There is no learning opportunity %(id)s.", id=opportunity_id))
    return opportunity_body(opp, registration_counts([opp.id]).get(opp.id), private=sees_private_fields(caller))


@route(
    "/opportunities",
    "POST",
    scope="write",
    body=OpportunityCreate,
    response=OpportunityOut,
    status=201,
    tags=TAGS,
)
def create_opportunity(caller: Caller, body: OpportunityCreate):
    """Create a learning opportunity (a draft, or published at once with "status": "published")."""
    data = OpportunityInput(
        title=body.title,
        summary=body.summary,
        description=body.description,
        kind=body.kind,
        modality=body.modality,
        subregion=body.subregion,
        audience=body.audience,
        topics=body.topics,
        capacity=body.capacity,
        pd_hours=body.pd_hours,
        registration_opens_at=body.registration_opens_at,
        registration_closes_at=body.registration_closes_at,
        facilitators=list(body.facilitators),
        sessions=_session_inputs(body.sessions),
    )
    opp = services.create_opportunity(data, actor=caller.user)
    if body.status == "published":
        publish(opp, actor=caller.user)
    commit(db.session)
    return _body_of(opp.id), 201


@route(
    "/opportunities/<int:opportunity_id>",
    "PATCH",
    scope="write",
    body=OpportunityPatch,
    response=OpportunityOut,
    tags=TAGS,
)
def patch_opportunity(caller: Caller, opportunity_id: int, body: OpportunityPatch):
    """Change some fields; "status" moves through publish, cancel or archive."""
    opp = load_opportunity(opportunity_id)
    if opp is None:
        raise NotFound(_("There is no learning opportunity %(id)s.", id=opportunity_id))
    given = body.model_fields_set - {"status"}
    if given:
        data = input_from(opp)
        for name in given:
            value = getattr(body, name)
            if name == "sessions":
                value = _session_inputs(value or [])
            elif name == "facilitators" or name == "topics":
                value = list(value or [])
            elif name in ("title", "summary", "description", "audience") and value is None:
                value = ""
            setattr(data, name, value)
        services.update_opportunity(opp, data, actor=caller.user)
    if "status" in body.model_fields_set and body.status is not None:
        change_status(opp, body.status, actor=caller.user)
    commit(db.session)
    return _body_of(opp.id)


@route(
    "/opportunities/<int:opportunity_id>/duplicate",
    "POST",
    scope="write",
    body=OpportunityDuplicate,
    response=OpportunityOut,
    status=201,
    tags=TAGS,
)
def duplicate_opportunity(caller: Caller, opportunity_id: int, body: OpportunityDuplicate):
    """Copy as a new draft (title + " (copy)"), its first session on `first_day` (today or later)."""
    opp = load_opportunity(opportunity_id)
    if opp is None:
        raise NotFound(_("There is no learning opportunity %(id)s.", id=opportunity_id))
    copy = duplicate_as_draft(opp, body.first_day, actor=caller.user)
    commit(db.session)
    return _body_of(copy.id), 201
