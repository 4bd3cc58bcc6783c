"""One person: attendances with the PD hours they earn, registrations, certificate and transcript data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric as SANumeric
from sqlalchemy import Select, and_, cast, func, or_, select

from ..checkin.models import CheckIn
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person
from ..registrations.models import Registration
from .counting import Opp, attendance_conditions
from .filters import school_year_bounds


# --- one person ----------------------------------------------------------------------------------
def _sessions_per_opportunity():
    return (
        select(Session.opportunity_id.label("opp"), func.count().label("n"))
        .group_by(Session.opportunity_id)
        .subquery("opp_sessions")
    )


def _person_and_merged(person_id: int) -> Select:
    return select(Person.id).where(or_(Person.id == person_id, Person.merged_into_id == person_id))


def person_attendance_select(person_id: int) -> Select:
    """Every attendance of a person (and of anyone merged into them) at a counted opportunity, with the
    PD hours it earns: the opportunity's pd_hours shared equally among its sessions."""
    per_opp = _sessions_per_opportunity()
    share = cast(Opp.pd_hours, SANumeric(10, 4)) / per_opp.c.n
    return (
        select(
            CheckIn.id.label("checkin_id"),
            Opp.id.label("opportunity_id"),
            Opp.title.label("opportunity"),
            Session.id.label("session_id"),
            Session.starts_at,
            Session.ends_at,
            CheckIn.checked_in_at,
            CheckIn.method,
            share.label("pd_hours"),
        )
        .select_from(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(Opp, Opp.id == Session.opportunity_id)
        .join(per_opp, per_opp.c.opp == Opp.id)
        .where(*attendance_conditions(), CheckIn.person_id.in_(_person_and_merged(person_id)))
        .order_by(Session.starts_at, CheckIn.id)
    )


def round_hours(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass
class PersonHistory:
    attendances: list  # rows of person_attendance_select
    hours_by_year: dict[int, Decimal]  # school year start -> PD hours
    total_hours: Decimal


def person_history(person_id: int) -> PersonHistory:
    from .filters import local_zone, school_year_of

    rows = list(db.session.execute(person_attendance_select(person_id)).all())
    zone = local_zone()
    by_year: dict[int, Decimal] = {}
    for r in rows:
        year = school_year_of(r.starts_at.astimezone(zone).date())
        by_year[year] = by_year.get(year, Decimal(0)) + Decimal(str(r.pd_hours))
    by_year = {y: round_hours(v) for y, v in sorted(by_year.items(), reverse=True)}
    return PersonHistory(rows, by_year, round_hours(sum(by_year.values(), Decimal(0))))


def person_registrations(person_id: int) -> list[Registration]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.person_id.in_(_person_and_merged(person_id)))
            .options(joinedload(Registration.opportunity))
            .order_by(Registration.created_at.desc())
        )
    )


def certificate_data(person_id: int, opportunity_id: int) -> dict | None:
    """Sessions a person attended of one opportunity, and the PD hours earned; None when none."""
    rows = list(db.session.execute(person_attendance_select(person_id).where(Opp.id == opportunity_id)))
    if not rows:
        return None
    return {
        "opportunity": db.session.get(Opp, opportunity_id),
        "sessions": rows,
        "pd_hours": round_hours(sum((Decimal(str(r.pd_hours)) for r in rows), Decimal(0))),
    }


def transcript_data(person_id: int, start_year: int) -> dict:
    """The opportunities a person attended in one school year, with sessions and PD hours."""
    from .filters import local_midnight_utc

    first, last = school_year_bounds(start_year)
    from datetime import timedelta

    stmt = person_attendance_select(person_id).where(
        and_(
            Session.starts_at >= local_midnight_utc(first), Session.starts_at < local_midnight_utc(last + timedelta(1))
        )
    )
    per_opp: dict[int, dict] = {}
    for r in db.session.execute(stmt):
        item = per_opp.setdefault(
            r.opportunity_id,
            {
                "opportunity_id": r.opportunity_id,
                "title": r.opportunity,
                "dates": [],
                "sessions": 0,
                "pd_hours": Decimal(0),
            },
        )
        item["dates"].append(r.starts_at)
        item["sessions"] += 1
        item["pd_hours"] += Decimal(str(r.pd_hours))
    items = list(per_opp.values())
    for item in items:
        item["pd_hours"] = round_hours(item["pd_hours"])
    return {"items": items, "total": round_hours(sum((i["pd_hours"] for i in items), Decimal(0)))}
