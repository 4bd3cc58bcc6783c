"""Per-place helpers of the LEA, school and subregion pages: places attached to split rows, sessions attended."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from ..checkin.models import CheckIn
from ..directory.models import Lea, School
from ..extensions import db
from .counting import attendance_select
from .filters import ReportFilters
from .split_rows import SplitKey, SplitRow


def _ids(rows: list[SplitRow]) -> list[int]:
    return [int(r.key) for r in rows if r.key is not None]


def _by_name(place: Lea | School | None) -> tuple[bool, str]:
    """Sorted by the place's name, rows without one last."""
    return (place is None, place.name if place else "")


def attach_schools(rows: list[SplitRow]) -> list[SplitRow]:
    """School rows of a split, each with its School (one query), sorted by name."""
    ids = _ids(rows)
    schools: dict[SplitKey, School] = (
        {x.id: x for x in db.session.scalars(select(School).where(School.id.in_(ids)))} if ids else {}
    )
    return sorted((replace(r, school=schools.get(r.key)) for r in rows), key=lambda r: _by_name(r.school))


def attach_leas(rows: list[SplitRow]) -> list[SplitRow]:
    """LEA rows of a split, each with its Lea (one query), sorted by name."""
    ids = _ids(rows)
    leas: dict[SplitKey, Lea] = {x.id: x for x in db.session.scalars(select(Lea).where(Lea.id.in_(ids)))} if ids else {}
    return sorted((replace(r, lea=leas.get(r.key)) for r in rows), key=lambda r: _by_name(r.lea))


def sessions_attended(f: ReportFilters) -> int:
    """Distinct sessions with at least one attendance (the "sessions attended" of LEA/school pages)."""
    inner = attendance_select(f, CheckIn.session_id).distinct().subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)))
