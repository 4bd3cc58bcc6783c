"""Support activity figures: ONE definition for the list page totals, the exports, the API, the dashboard
and the LEA page. Every figure is a set-based SQL aggregate over the same filtered set of activities.

Public functions (the reports pages call these):

``support_figures(date_from=None, date_to=None, subregion=None, lea_id=None, kind=None, modality=None,
staff_id=None) -> dict``
    Filters (all optional, combined with AND): ``date_from``/``date_to`` are ``datetime.date`` and inclusive
    (on ``occurred_on``); ``subregion`` 1..8 is the subregion of the activity's LEA; ``lea_id`` an LEA id;
    ``kind`` one of SUPPORT_KINDS; ``modality`` one of SUPPORT_MODALITIES; ``staff_id`` a User id listed
    as staff on the activity. Returns::

        {"count": 12,                    # support activities
         "minutes": 1860,                # total duration in minutes
         "hours": Decimal("31.00"),      # minutes / 60, 2 decimal places
         "leas": 3,                      # distinct LEAs supported
         "schools": 5,                   # distinct schools named on the activities
         "by_month": [{"month": "2025-03", "count": 4, "hours": Decimal("6.50")}, ...],   # ascending
         "by_subregion": [{"subregion": 4, "count": 7, "hours": ...}, ...],  # None (LEA without one) last
         "by_kind": [{"kind": "coaching", "count": 3, "hours": ...}, ...],   # SUPPORT_KINDS order
         "by_modality": [{"modality": "on_site", "count": 5, "hours": ...}, ...]}

    Groups with no activity are left out. A month is the calendar month of ``occurred_on``.

``lea_support(lea_id, date_from=None, date_to=None) -> dict``
    For the LEA page ("12 support activities, 31 hours"): ``{"lea_id", "count", "minutes", "hours",
    "schools", "last_on" (date | None), "by_kind": [...]}`` with the same definitions as support_figures.

The rows behind a figure are listed by the staff page ``url_for("support.activity_list", **list_args(...))``,
whose query parameters are ``from``, ``to`` (YYYY-MM-DD), ``subregion``, ``lea`` (id), ``kind``,
``modality`` and ``staff`` (User id).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Select, distinct, exists, extract, func, select
from sqlalchemy.orm import selectinload

from ..directory.models import Lea
from ..extensions import db
from .models import (
    SUPPORT_KINDS,
    SUPPORT_MODALITIES,
    SupportActivity,
    support_activity_schools,
    support_activity_staff,
)
from .services import hours_of


@dataclass(frozen=True)
class SupportFilters:
    date_from: date | None = None
    date_to: date | None = None
    subregion: int | None = None
    lea_id: int | None = None
    kind: str | None = None
    modality: str | None = None
    staff_id: int | None = None

    def conditions(self) -> list:
        """WHERE clauses over SupportActivity joined to Lea."""
        conds = []
        if self.date_from is not None:
            conds.append(SupportActivity.occurred_on >= self.date_from)
        if self.date_to is not None:
            conds.append(SupportActivity.occurred_on <= self.date_to)
        if self.subregion is not None:
            conds.append(Lea.subregion == self.subregion)
        if self.lea_id is not None:
            conds.append(SupportActivity.lea_id == self.lea_id)
        if self.kind is not None:
            conds.append(SupportActivity.kind == self.kind)
        if self.modality is not None:
            conds.append(SupportActivity.modality == self.modality)
        if self.staff_id is not None:
            conds.append(
                exists().where(
                    support_activity_staff.c.activity_id == SupportActivity.id,
                    support_activity_staff.c.user_id == self.staff_id,
                )
            )
        return conds

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def list_args(filters: SupportFilters) -> dict:
    """Query parameters of the staff list page for these filters (for links from figures)."""
    args = {
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "subregion": filters.subregion,
        "lea": filters.lea_id,
        "kind": filters.kind,
        "modality": filters.modality,
        "staff": filters.staff_id,
    }
    return {k: v for k, v in args.items() if v is not None}


def activities_stmt(filters: SupportFilters, *, eager: bool = True) -> Select:
    """The filtered activities, newest first; with eager=True everything a list row shows is loaded in
    a fixed number of queries (selectinload), whatever the page size."""
    stmt = (
        select(SupportActivity)
        .join(Lea, Lea.id == SupportActivity.lea_id)
        .where(*filters.conditions())
        .order_by(SupportActivity.occurred_on.desc(), SupportActivity.id.desc())
    )
    if eager:
        stmt = stmt.options(
            selectinload(SupportActivity.lea),
            selectinload(SupportActivity.schools),
            selectinload(SupportActivity.staff),
            selectinload(SupportActivity.contacts),
            selectinload(SupportActivity.created_by),
        )
    return stmt


def activity_ids(filters: SupportFilters) -> list[int]:
    """The ids of the filtered activities, in list order (exports load them in chunks)."""
    stmt = (
        select(SupportActivity.id)
        .join(Lea, Lea.id == SupportActivity.lea_id)
        .where(*filters.conditions())
        .order_by(SupportActivity.occurred_on.desc(), SupportActivity.id.desc())
    )
    return list(db.session.scalars(stmt))


def _grouped(filters: SupportFilters, *keys):
    stmt = (
        select(*keys, func.count(SupportActivity.id), func.coalesce(func.sum(SupportActivity.duration_minutes), 0))
        .select_from(SupportActivity)
        .join(Lea, Lea.id == SupportActivity.lea_id)
        .where(*filters.conditions())
        .group_by(*keys)
    )
    return db.session.execute(stmt).all()


def _totals(filters: SupportFilters) -> dict:
    row = db.session.execute(
        select(
            func.count(SupportActivity.id),
            func.coalesce(func.sum(SupportActivity.duration_minutes), 0),
            func.count(distinct(SupportActivity.lea_id)),
            func.max(SupportActivity.occurred_on),
        )
        .select_from(SupportActivity)
        .join(Lea, Lea.id == SupportActivity.lea_id)
        .where(*filters.conditions())
    ).one()
    schools = db.session.scalar(
        select(func.count(distinct(support_activity_schools.c.school_id)))
        .select_from(support_activity_schools)
        .join(SupportActivity, SupportActivity.id == support_activity_schools.c.activity_id)
        .join(Lea, Lea.id == SupportActivity.lea_id)
        .where(*filters.conditions())
    )
    count, minutes, leas, last_on = row
    return {
        "count": int(count),
        "minutes": int(minutes),
        "hours": hours_of(int(minutes)),
        "leas": int(leas),
        "schools": int(schools or 0),
        "last_on": last_on,
    }


def _by(filters: SupportFilters, column, name: str, order: tuple) -> list[dict]:
    rows = {key: (count, minutes) for key, count, minutes in _grouped(filters, column)}
    ordered = [k for k in order if k in rows] + sorted((k for k in rows if k not in order), key=str)
    return [{name: k, "count": int(rows[k][0]), "hours": hours_of(int(rows[k][1]))} for k in ordered]


def figures_for(filters: SupportFilters) -> dict:
    totals = _totals(filters)
    totals.pop("last_on")
    year = extract("year", SupportActivity.occurred_on)
    month = extract("month", SupportActivity.occurred_on)
    by_month = [
        {"month": f"{int(y):04d}-{int(m):02d}", "count": int(c), "hours": hours_of(int(mins))}
        for y, m, c, mins in sorted(_grouped(filters, year, month), key=lambda r: (int(r[0]), int(r[1])))
    ]
    subregions = _grouped(filters, Lea.subregion)
    by_subregion = [
        {"subregion": s, "count": int(c), "hours": hours_of(int(mins))}
        for s, c, mins in sorted(subregions, key=lambda r: (r[0] is None, r[0] or 0))
    ]
    return {
        **totals,
        "by_month": by_month,
        "by_subregion": by_subregion,
        "by_kind": _by(filters, SupportActivity.kind, "kind", SUPPORT_KINDS),
        "by_modality": _by(filters, SupportActivity.modality, "modality", SUPPORT_MODALITIES),
    }


def support_figures(
    date_from: date | None = None,
    date_to: date | None = None,
    subregion: int | None = None,
    lea_id: int | None = None,
    kind: str | None = None,
    modality: str | None = None,
    staff_id: int | None = None,
) -> dict:
    """Count, hours, LEAs, schools and breakdowns of the support activities that match (module docstring)."""
    return figures_for(SupportFilters(date_from, date_to, subregion, lea_id, kind, modality, staff_id))


def lea_support(lea_id: int, date_from: date | None = None, date_to: date | None = None) -> dict:
    """One LEA's support: {"lea_id", "count", "minutes", "hours", "schools", "last_on", "by_kind"}."""
    filters = SupportFilters(date_from=date_from, date_to=date_to, lea_id=lea_id)
    totals = _totals(filters)
    totals.pop("leas")
    return {
        "lea_id": lea_id,
        **totals,
        "by_kind": _by(filters, SupportActivity.kind, "kind", SUPPORT_KINDS),
    }
