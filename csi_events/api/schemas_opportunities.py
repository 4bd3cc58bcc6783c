"""Pydantic schemas of the opportunity endpoints (they make the OpenAPI document /api/v1/openapi.json).

They check types and shapes only; the rules (lengths, windows, venues, capacity) are in
opportunities/services.py, shared with the staff pages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..opportunities.models import MODALITIES, OPPORTUNITY_KINDS, STATUSES
from .pagination import PageQuery

Kind = Literal[OPPORTUNITY_KINDS]  # type: ignore[valid-type]
Modality = Literal[MODALITIES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]


class OpportunityListQuery(PageQuery):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    date_from: date | None = Field(None, alias="from", description="Local date (America/Los_Angeles), inclusive")
    to: date | None = Field(None, description="Local date (America/Los_Angeles), inclusive")
    subregion: int | None = Field(None, ge=1, le=8)
    modality: Modality | None = None
    kind: Kind | None = None
    topic: str | None = Field(None, max_length=60)
    q: str | None = Field(None, max_length=200)
    past: bool = Field(False, description="true: opportunities whose sessions have all ended, most recent first")


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int | None = Field(None, description="An existing session to edit (PATCH); omit to add one")
    starts_at: datetime = Field(description="ISO 8601; without an offset it is read as America/Los_Angeles")
    ends_at: datetime
    venue: str | None = Field(None, max_length=300)
    virtual_url: str | None = Field(None, max_length=500)


class OpportunityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    summary: str = Field("", max_length=500)
    description: str = Field("", max_length=20000)
    kind: Kind
    modality: Modality
    subregion: int | None = Field(None, ge=1, le=8, description="1..8, or null for countywide")
    audience: str = Field("", max_length=300)
    topics: list[str] = Field(default_factory=list, max_length=20)
    capacity: int | None = Field(None, description="null: unlimited")
    pd_hours: float = 0
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    facilitators: list[str] = Field(default_factory=list, description="E-mails of facilitator, staff or admin users")
    sessions: list[SessionIn] = Field(default_factory=list, max_length=100)
    status: Literal["draft", "published"] = "draft"


class OpportunityDuplicate(BaseModel):
    """The date (Los Angeles) of the copy's first session: the other sessions keep their spacing in days, their
    times of day, venues and links. Everything else but the registration window and registrations is copied."""

    model_config = ConfigDict(extra="forbid")

    first_day: date


class OpportunityPatch(BaseModel):
    """Only the fields given change. `sessions`, when given, is the full list: items with an `id` edit
    that session, items without one are added, sessions left out are removed."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    summary: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=20000)
    kind: Kind | None = None
    modality: Modality | None = None
    subregion: int | None = Field(None, ge=1, le=8)
    audience: str | None = Field(None, max_length=300)
    topics: list[str] | None = Field(None, max_length=20)
    capacity: int | None = None
    pd_hours: float | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    facilitators: list[str] | None = None
    sessions: list[SessionIn] | None = Field(None, max_length=100)
    status: Status | None = None


class SessionOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    venue: str | None
    virtual_url: str | None = Field(None, description="Only for callers with the read or write scope")


class OpportunityOut(BaseModel):
    id: int
    title: str
    summary: str
    description: str
    kind: str
    modality: str
    subregion: int | None
    audience: str
    topics: list[str]
    capacity: int | None
    seats_left: int | None
    confirmed_count: int
    waitlist_count: int
    pd_hours: float
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    status: str
    facilitators: list[str] = Field(
        default_factory=list, description="E-mails; only for callers with the read or write scope"
    )
    sessions: list[SessionOut]
    url: str


class OpportunityList(BaseModel):
    items: list[OpportunityOut]
    page: int
    per_page: int
    total: int
