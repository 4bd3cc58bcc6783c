"""Read queries for opportunities: the public catalog, the staff list, seat counts.

Each page of results loads in a fixed number of queries whatever its size: one count, one page of rows,
one query per eager-loaded collection (selectinload) and one grouped query for seat counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..db import utcnow
from ..extensions import db
from ..localtime import local_to_utc
from ..registrations.models import Registration
from .models import PILLARS, STATUSES, LearningOpportunity, OpportunityTopic, Session

WHEN = ("upcoming", "past", "all")
MAX_SEARCH_WORDS = 8


@dataclass
class CatalogFilters:
    subregion: int | str | None = None  # 1..8, or "countywide" for opportunities without a subregion
    modality: str | None = None
    kind: str | None = None
    topic: str | None = None
    q: str | None = None
    date_from: date | None = None  # local dates, inclusive
    date_to: date | None = None
    when: str = "upcoming"  # upcoming: last session not ended; past: all ended; all: both
    statuses: tuple[str, ...] = ("published",)


@dataclass
class Counts:
    confirmed: int = 0
    waitlisted: int = 0


@dataclass
class CatalogItem:
    opportunity: LearningOpportunity
    sort_at: datetime | None  # the next session's start (upcoming), the last one's (past)
    counts: Counts = field(default_factory=Counts)

    @property
    def seats_left(self) -> int | None:
        capacity = self.opportunity.capacity
        return None if capacity is None else max(capacity - self.counts.confirmed, 0)


@dataclass
class ResultPage:
    items: list[CatalogItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def local_day_start(day: date) -> datetime:
    return local_to_utc(day, time(0, 0))


def search_condition(q: str | None):
    """Every word must appear in the title, summary or description (case-insensitive, literal)."""
    words = (q or "").split()[:MAX_SEARCH_WORDS]
    if not words:
        return None
    columns = (LearningOpportunity.title, LearningOpportunity.summary, LearningOpportunity.description)
    return and_(*[or_(*[c.icontains(word, autoescape=True) for c in columns]) for word in words])


def _opportunity_conditions(filters: CatalogFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [LearningOpportunity.status.in_(filters.statuses)]
    if filters.subregion == "countywide":
        conditions.append(LearningOpportunity.subregion.is_(None))
    elif filters.subregion is not None:
        conditions.append(LearningOpportunity.subregion == int(filters.subregion))
    if filters.modality:
        conditions.append(LearningOpportunity.modality == filters.modality)
    if filters.kind:
        conditions.append(LearningOpportunity.kind == filters.kind)
    if filters.topic:
        conditions.append(
            exists().where(
                OpportunityTopic.opportunity_id == LearningOpportunity.id, OpportunityTopic.topic == filters.topic
            )
        )
    text = search_condition(filters.q)
    if text is not None:
        conditions.append(text)
    return conditions


def catalog_select(filters: CatalogFilters, now: datetime | None = None) -> Select:
    """select(LearningOpportunity, sort_at) in catalog order.

    upcoming: opportunities with a session not yet ended (in the date range), next session first;
    past: opportunities whose every session has ended, most recent first; all: first session first."""
    now = now or utcnow()
    session_conditions = []
    if filters.date_from:
        session_conditions.append(Session.ends_at > local_day_start(filters.date_from))
    if filters.date_to:
        session_conditions.append(Session.starts_at < local_day_start(filters.date_to + timedelta(days=1)))
    conditions = _opportunity_conditions(filters)
    if filters.when == "upcoming":
        session_conditions.append(Session.ends_at > now)
        sort: ColumnElement[datetime] = func.min(Session.starts_at)
    elif filters.when == "past":
        sort = func.max(Session.starts_at)
        conditions.append(
            ~exists()
            .where(Session.opportunity_id == LearningOpportunity.id, Session.ends_at > now)
            .correlate(LearningOpportunity)
        )
    else:
        sort = func.min(Session.starts_at)
    per_opportunity = (
        select(Session.opportunity_id.label("opportunity_id"), sort.label("sort_at"))
        .where(*session_conditions)
        .group_by(Session.opportunity_id)
        .subquery("next_sessions")
    )
    stmt = (
        select(LearningOpportunity, per_opportunity.c.sort_at)
        .join(per_opportunity, per_opportunity.c.opportunity_id == LearningOpportunity.id)
        .where(*conditions)
    )
    if filters.when == "past":
        return stmt.order_by(per_opportunity.c.sort_at.desc(), LearningOpportunity.id.desc())
    return stmt.order_by(per_opportunity.c.sort_at.asc(), LearningOpportunity.id.asc())


def registration_counts(opportunity_ids: list[int]) -> dict[int, Counts]:
    """Confirmed and waitlisted registrations per opportunity, in one grouped query."""
    if not opportunity_ids:
        return {}
    rows = db.session.execute(
        select(
            Registration.opportunity_id,
            func.sum(case((Registration.status == "confirmed", 1), else_=0)),
            func.sum(case((Registration.status == "waitlisted", 1), else_=0)),
        )
        .where(Registration.opportunity_id.in_(opportunity_ids))
        .group_by(Registration.opportunity_id)
    )
    return {oid: Counts(int(c or 0), int(w or 0)) for oid, c, w in rows}


def _eager(stmt: Select, facilitators: bool) -> Select:
    options = [selectinload(LearningOpportunity.sessions), selectinload(LearningOpportunity.topic_rows)]
    if facilitators:
        options.append(selectinload(LearningOpportunity.facilitators))
    return stmt.options(*options)


def _items(rows) -> list[CatalogItem]:
    items = [CatalogItem(opp, sort_at) for opp, sort_at in rows]
    counts = registration_counts([item.opportunity.id for item in items])
    for item in items:
        item.counts = counts.get(item.opportunity.id, Counts())
    return items


def catalog_page(
    filters: CatalogFilters,
    page: int = 1,
    per_page: int = 20,
    *,
    now: datetime | None = None,
    facilitators: bool = False,
) -> ResultPage:
    stmt = catalog_select(filters, now)
    total = int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    page = max(page, 1)
    rows = db.session.execute(_eager(stmt, facilitators).limit(per_page).offset((page - 1) * per_page)).all()
    return ResultPage(_items(rows), total, page, per_page)


def catalog_all(filters: CatalogFilters, limit: int = 500, *, now: datetime | None = None) -> list[LearningOpportunity]:
    """Opportunities for a calendar feed (sessions loaded), capped at `limit`."""
    rows = db.session.execute(_eager(catalog_select(filters, now), False).limit(limit)).all()
    return [opp for opp, _sort in rows]


def tags_in_use() -> list[str]:
    """Free tags (not pillars) of published opportunities, for the topic filter."""
    return list(
        db.session.scalars(
            select(OpportunityTopic.topic)
            .join(LearningOpportunity, LearningOpportunity.id == OpportunityTopic.opportunity_id)
            .where(LearningOpportunity.status == "published", OpportunityTopic.topic.not_in(PILLARS))
            .distinct()
            .order_by(OpportunityTopic.topic)
            .limit(200)
        )
    )


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(LearningOpportunity.status, func.count()).group_by(LearningOpportunity.status)
    ).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def staff_page(status: str | None, q: str | None, page: int, per_page: int = 50) -> ResultPage:
    """Every opportunity (optionally one status), the latest first session first; undated ones last."""
    first = (
        select(Session.opportunity_id.label("opportunity_id"), func.min(Session.starts_at).label("first_start"))
        .group_by(Session.opportunity_id)
        .subquery("first_sessions")
    )
    stmt = select(LearningOpportunity, first.c.first_start).outerjoin(
        first, first.c.opportunity_id == LearningOpportunity.id
    )
    if status:
        stmt = stmt.where(LearningOpportunity.status == status)
    text = search_condition(q)
    if text is not None:
        stmt = stmt.where(text)
    stmt = stmt.order_by(first.c.first_start.desc().nulls_last(), LearningOpportunity.id.desc())
    total = int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    page = max(page, 1)
    rows = db.session.execute(_eager(stmt, False).limit(per_page).offset((page - 1) * per_page)).all()
    return ResultPage(_items(rows), total, page, per_page)


def load_opportunity(opportunity_id: int) -> LearningOpportunity | None:
    return db.session.scalar(_eager(select(LearningOpportunity).where(LearningOpportunity.id == opportunity_id), True))
