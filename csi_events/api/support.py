"""API routes for support activities (shapes: the OpenAPI document /api/v1/openapi.json; counting: docs/architecture.md).

- GET  /api/v1/support-activities?from=&to=&subregion=&lea=<cd_code>&kind=&modality=&staff=<e-mail>&page=&per_page=
  (scope read) -> {"items", "page", "per_page", "total", "totals": {"count", "hours", "leas", "schools"}}
- GET  /api/v1/support-activities/figures (same filters, scope read) -> support_figures() as JSON
- POST /api/v1/support-activities (scope write, staff accounts) -> 201 the activity; 422 with per-field errors
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from ..auth.models import User
from ..db import commit
from ..directory.models import Lea
from ..errors import ValidationFailed
from ..extensions import db
from ..localtime import to_local
from ..people.models import normalize_email
from ..support.models import SUPPORT_KINDS, SUPPORT_MODALITIES, SupportActivity
from ..support.queries import SupportFilters, activities_stmt, figures_for
from ..support.services import SupportInput, create_activity, hours_of, minutes_from
from .pagination import PageQuery, page_body, paginate
from .spec import route

SupportKind = Literal[SUPPORT_KINDS]  # type: ignore[valid-type]
SupportModality = Literal[SUPPORT_MODALITIES]  # type: ignore[valid-type]


class SupportFilterQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    date_from: date | None = Field(None, alias="from", description="First day, inclusive (YYYY-MM-DD).")
    date_to: date | None = Field(None, alias="to", description="Last day, inclusive (YYYY-MM-DD).")
    subregion: int | None = Field(None, ge=1, le=8, description="Subregion of the activity's LEA.")
    lea: str | None = Field(None, max_length=7, description="The LEA's CD code.")
    kind: SupportKind | None = None
    modality: SupportModality | None = None
    staff: str | None = Field(None, max_length=254, description="E-mail of a staff member on the activity.")


class SupportListQuery(SupportFilterQuery, PageQuery):
    pass


class LeaRef(BaseModel):
    cd_code: str
    name: str
    subregion: int | None


class SchoolRef(BaseModel):
    cds_code: str
    name: str


class ContactRef(BaseModel):
    id: int
    name: str
    email: str | None


class SupportActivityOut(BaseModel):
    id: int
    occurred_on: date
    lea: LeaRef
    schools: list[SchoolRef]
    kind: str
    modality: str
    duration_minutes: int
    hours: float
    staff: list[str]
    contacts: list[ContactRef]
    topics: list[str]
    notes: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class SupportTotals(BaseModel):
    count: int
    hours: float
    leas: int
    schools: int


class SupportListOut(BaseModel):
    items: list[SupportActivityOut]
    page: int
    per_page: int
    total: int
    totals: SupportTotals


class MonthFigure(BaseModel):
    month: str
    count: int
    hours: float


class SubregionFigure(BaseModel):
    subregion: int | None
    count: int
    hours: float


class KindFigure(BaseModel):
    kind: str
    count: int
    hours: float


class ModalityFigure(BaseModel):
    modality: str
    count: int
    hours: float


class SupportFiguresOut(SupportTotals):
    by_month: list[MonthFigure]
    by_subregion: list[SubregionFigure]
    by_kind: list[KindFigure]
    by_modality: list[ModalityFigure]


class SupportActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_on: date
    lea: str = Field(min_length=1, max_length=200, description="CD code or exact name of the LEA.")
    schools: list[str] = Field(default_factory=list, max_length=200, description="CDS codes.")
    kind: SupportKind
    modality: SupportModality
    duration_minutes: int | None = Field(None, description="Whole minutes; or give hours.")
    hours: Decimal | None = Field(None, max_digits=6, decimal_places=2, description="Hours; or give minutes.")
    staff: list[str] | None = Field(None, max_length=50, description="Staff e-mails; omitted: the caller.")
    contacts: list[int | str] = Field(
        default_factory=list, max_length=100, description="Person ids or e-mails in the directory."
    )
    topics: list[str] = Field(default_factory=list, max_length=30, description="Pillars and free tags.")
    notes: str = Field("", max_length=5000)

    @model_validator(mode="after")
    def one_duration(self):
        if self.duration_minutes is None and self.hours is None:
            raise ValueError("Give duration_minutes or hours.")
        if self.duration_minutes is not None and self.hours is not None:
            raise ValueError("Give duration_minutes or hours, not both.")
        return self


def _local(value: datetime) -> datetime:
    return to_local(value)


def activity_out(a: SupportActivity) -> dict:
    return {
        "id": a.id,
        "occurred_on": a.occurred_on.isoformat(),
        "lea": {"cd_code": a.lea.cd_code, "name": a.lea.name, "subregion": a.lea.subregion},
        "schools": [{"cds_code": s.cds_code, "name": s.name} for s in a.schools],
        "kind": a.kind,
        "modality": a.modality,
        "duration_minutes": a.duration_minutes,
        "hours": float(hours_of(a.duration_minutes)),
        "staff": [u.email for u in a.staff],
        "contacts": [{"id": p.id, "name": p.name, "email": p.email} for p in a.contacts],
        "topics": a.topics.split(),
        "notes": a.notes,
        "created_by": a.created_by.email if a.created_by else None,
        "created_at": _local(a.created_at).isoformat(),
        "updated_at": _local(a.updated_at).isoformat(),
    }


def _filters(query: SupportFilterQuery) -> SupportFilters:
    """The query's filters; an unknown LEA code or staff e-mail is a 422, never an empty answer."""
    lea_id = staff_id = None
    if query.lea:
        lea_id = db.session.scalar(select(Lea.id).where(Lea.cd_code == query.lea.strip()))
        if lea_id is None:
            raise ValidationFailed(
                _("Some query parameters are invalid."),
                fields={"lea": [_("No LEA has the CD code %(c)s.", c=query.lea)]},
            )
    if query.staff:
        staff_id = db.session.scalar(select(User.id).where(User.email == normalize_email(query.staff)))
        if staff_id is None:
            raise ValidationFailed(
                _("Some query parameters are invalid."),
                fields={"staff": [_("No account has the e-mail %(e)s.", e=query.staff)]},
            )
    return SupportFilters(
        date_from=query.date_from,
        date_to=query.date_to,
        subregion=query.subregion,
        lea_id=lea_id,
        kind=query.kind,
        modality=query.modality,
        staff_id=staff_id,
    )


def _floats(rows: list[dict]) -> list[dict]:
    return [{**row, "hours": float(row["hours"])} for row in rows]


def _totals(figures: dict) -> dict:
    """The SupportTotals part of figures_for(): count, hours (as a number), LEAs and schools."""
    return {
        "count": figures["count"],
        "hours": float(figures["hours"]),
        "leas": figures["leas"],
        "schools": figures["schools"],
    }


@route(
    "/support-activities",
    "GET",
    scope="read",
    query=SupportListQuery,
    response=SupportListOut,
    summary="Support activities with grantees, newest first, filtered; with the totals of the filtered set.",
    tags=["support"],
)
def list_support_activities(caller, query: SupportListQuery):
    filters = _filters(query)
    rows, total = paginate(activities_stmt(filters), query.page, query.per_page)
    figures = figures_for(filters)
    body = page_body([activity_out(a) for a in rows], query.page, query.per_page, total)
    body["totals"] = _totals(figures)
    return body


@route(
    "/support-activities/figures",
    "GET",
    scope="read",
    query=SupportFilterQuery,
    response=SupportFiguresOut,
    summary="Count, hours, LEAs and schools supported, by month, subregion, kind and modality.",
    tags=["support"],
)
def support_activity_figures(caller, query: SupportFilterQuery):
    f = figures_for(_filters(query))
    return {
        **_totals(f),
        "by_month": _floats(f["by_month"]),
        "by_subregion": _floats(f["by_subregion"]),
        "by_kind": _floats(f["by_kind"]),
        "by_modality": _floats(f["by_modality"]),
    }


@route(
    "/support-activities",
    "POST",
    scope="write",
    body=SupportActivityIn,
    response=SupportActivityOut,
    status=201,
    summary="Log a support activity (staff accounts).",
    tags=["support"],
)
def create_support_activity(caller, body: SupportActivityIn):
    minutes = body.duration_minutes
    if body.hours is not None:
        try:
            minutes = minutes_from(body.hours, "hours")
        except ValueError as err:
            raise ValidationFailed(_("Some fields are invalid."), fields={"hours": [str(err)]}) from err
    data = SupportInput(
        occurred_on=body.occurred_on,
        lea=body.lea,
        kind=body.kind,
        modality=body.modality,
        duration_minutes=minutes,
        schools=list(body.schools),
        staff=list(body.staff) if body.staff is not None else ([caller.user.id] if caller.user else []),
        contacts=body.contacts,
        topics=body.topics,
        notes=body.notes,
    )
    try:
        activity = create_activity(data, caller.user)
    except ValidationFailed as err:
        name = "hours" if body.hours is not None else "duration_minutes"
        fields = {(name if k == "duration" else k): v for k, v in err.fields.items()}
        raise ValidationFailed(err.message, fields=fields) from err
    commit(db.session)
    return activity_out(activity)
