"""Attendance and reports API (scope read): the figures come from reports/queries.py, the same queries as the
staff pages and exports (counting definitions: docs/architecture.md "Counting")."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ..directory.models import Lea
from ..errors import NotFound
from ..extensions import db
from ..people.models import Person
from ..registrations.people_lookup import survivor
from ..reports import queries
from ..reports.filters import ReportFilters
from ..reports.support_side import support_for
from .spec import route


class RangeQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: date | None = Field(None, alias="from", description="First local date (inclusive)")
    to: date | None = Field(None, description="Last local date (inclusive)")


class SummaryQuery(RangeQuery):
    subregion: str | None = Field(None, pattern=r"^([1-8]|countywide)$", description="The opportunity's subregion")
    people_subregion: str | None = Field(
        None, pattern=r"^([1-8]|none)$", description="The participants' subregion (their school's, else its LEA's)"
    )
    lea: str | None = Field(None, pattern=r"^\d{1,7}$", description="CD code (or id) of the LEA")
    kind: str | None = Field(None, max_length=30)
    modality: str | None = Field(None, max_length=20)
    topic: str | None = Field(None, max_length=60)
    subregion_basis: Literal["participants", "opportunity"] = Field(
        "participants",
        description="by_subregion by the participants' schools (a school without a subregion takes its LEA's), "
        "or by the opportunity's own subregion",
    )


class SplitRow(BaseModel):
    attendances: int
    attendees: int
    unique_individuals: int


class SubregionRow(SplitRow):
    subregion: int | None = Field(description="1-8; null: countywide (opportunity) or neither (participants)")
    basis: Literal["participants", "opportunity"]


class MonthRow(SplitRow):
    month: str


class KindRow(SplitRow):
    kind: str


class ModalityRow(SplitRow):
    modality: str


class TopicRow(SplitRow):
    topic: str


class ReportSummary(BaseModel):
    from_: date = Field(alias="from")
    to: date
    opportunities: int = Field(description="Learning opportunities offered: published, with a session in the range")
    opportunities_with_attendance: int = Field(description="Of those, the ones with at least one attendance")
    sessions: int
    attendances: int
    attendees: int
    unique_individuals: int
    leas: int
    schools: int
    subregions: int = Field(description="Subregions reached: distinct subregions of the participants' schools")
    participants_without_subregion: int = Field(description="Unique individuals whose school and LEA have none")
    by_subregion: list[SubregionRow]
    by_month: list[MonthRow]
    by_kind: list[KindRow]
    by_modality: list[ModalityRow]
    by_topic: list[TopicRow]
    support_activities: int | None = None
    support_hours: float | None = None


def report_filters(query: RangeQuery, **extra) -> ReportFilters:
    """Query -> ReportFilters; without dates, the current school year."""
    args: dict[str, str] = {}
    if query.from_ is not None:
        args["from"] = query.from_.isoformat()
    if query.to is not None:
        args["to"] = query.to.isoformat()
    for key in ("subregion", "people_subregion", "lea", "kind", "modality", "topic"):
        value = getattr(query, key, None)
        if value is not None:
            args[key] = value
    args.update(extra)
    return ReportFilters.from_args(args)


def person_body(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "role": person.role,
        "lea": person.lea.cd_code if person.lea else None,
        "school": person.school.cds_code if person.school else None,
        "organization": person.organization,
    }


@route(
    "/people/<int:person_id>/attendance",
    scope="read",
    summary="A person's attendance and PD hours",
    tags=["attendance"],
)
def person_attendance(caller, person_id: int):
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    person = survivor(person)
    history = queries.person_history(person.id)
    items = [
        {
            "opportunity": {"id": r.opportunity_id, "title": r.opportunity},
            "session": {"id": r.session_id, "starts_at": r.starts_at.isoformat(), "ends_at": r.ends_at.isoformat()},
            "checked_in_at": r.checked_in_at.isoformat(),
            "method": r.method,
            "pd_hours": float(queries.round_hours(r.pd_hours)),
        }
        for r in history.attendances
    ]
    return {
        "person": person_body(person),
        "items": items,
        "totals": {
            "sessions": len(items),
            "pd_hours": float(history.total_hours),
            "pd_hours_by_school_year": [
                {"school_year": f"{y}-{(y + 1) % 100:02d}", "pd_hours": float(h)}
                for y, h in history.hours_by_year.items()
            ],
        },
    }


@route(
    "/leas/<cd_code>/attendance",
    scope="read",
    query=RangeQuery,
    summary="Attendance of one LEA's people",
    tags=["attendance"],
)
def lea_attendance(caller, cd_code: str, query: RangeQuery):
    lea = db.session.scalar(select(Lea).where(Lea.cd_code == cd_code))
    if lea is None:
        raise NotFound(_("No LEA has the CD code %(c)s.", c=cd_code))
    f = report_filters(query, lea=cd_code)
    s, found = queries.figures(f, ("school",))
    schools = [
        {
            "cds_code": r.school.cds_code if r.school else None,
            "name": r.school.name if r.school else None,
            **r.counts(),
        }
        for r in queries.attach_schools(found["school"])
    ]
    people = [
        {"id": row[0], "name": f"{row[1]} {row[2]}", "attendances": int(row[7]), "opportunities": int(row[8])}
        for row in db.session.execute(queries.figure_rows(f, "unique_individuals").stmt)
    ]
    return {
        "lea": {"cd_code": lea.cd_code, "name": lea.name, "subregion": lea.subregion},
        "from": f.date_from.isoformat(),
        "to": f.date_to.isoformat(),
        "attendances": s.attendances,
        "attendees": s.attendees,
        "unique_individuals": s.unique_individuals,
        "schools_reached": s.schools,
        "sessions_attended": s.sessions,
        "opportunities": s.opportunities,
        "schools": schools,
        "people": people,
    }


@route(
    "/reports/summary",
    scope="read",
    query=SummaryQuery,
    response=ReportSummary,
    summary="Headline figures and splits",
    tags=["reports"],
)
def report_summary(caller, query: SummaryQuery):
    f = report_filters(query)
    by_subregion = "people_subregion" if query.subregion_basis == "participants" else "subregion"
    splits = ("month", "kind", "modality", "topic")
    s, found = queries.figures(f, tuple(dict.fromkeys(("people_subregion", by_subregion, *splits))))
    body: dict = {"from": f.date_from.isoformat(), "to": f.date_to.isoformat(), **s.as_dict()}
    neither = (r.unique_individuals for r in found["people_subregion"] if r.key is None)
    body["participants_without_subregion"] = next(neither, 0)
    body["by_subregion"] = [
        {"subregion": r.key, "basis": query.subregion_basis, **r.counts()} for r in found[by_subregion]
    ]
    for by in splits:
        body[f"by_{by}"] = [{by: r.key, **r.counts()} for r in found[by]]
    support = support_for(f)
    if support is not None:
        body["support_activities"] = support.figures["count"]
        body["support_hours"] = float(support.figures["hours"])
    return body
