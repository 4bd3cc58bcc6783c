"""Per-place helpers of the LEA, school and subregion pages: places attached to split rows, sessions attended."""

from __future__ import annotations

from sqlalchemy import func, select

from ..checkin.models import CheckIn
from ..directory.models import Lea, School
from ..extensions import db
from .counting import attendance_select
from .filters import ReportFilters


def _attach_places(rows: list[dict], model, name: str) -> list[dict]:
    """Split rows keyed by `model` ids, each given its `model` object under `name` (one query), sorted by
    its name (rows without one last)."""
    ids = [r["key"] for r in rows if r["key"] is not None]
    places = {x.id: x for x in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
    for r in rows:
        r[name] = places.get(r["key"])
    rows.sort(key=lambda r: (r[name] is None, r[name].name if r[name] else ""))
    return rows


def attach_schools(rows: list[dict]) -> list[dict]:
    """School rows of a split with their School (one query), sorted by name."""
    return _attach_places(rows, School, "school")


def attach_leas(rows: list[dict]) -> list[dict]:
    """LEA rows of a split with their Lea (one query), sorted by name."""
    return _attach_places(rows, Lea, "lea")


def sessions_attended(f: ReportFilters) -> int:
    """Distinct sessions with at least one attendance (the "sessions attended" of LEA/school pages)."""
    inner = attendance_select(f, CheckIn.session_id).distinct().subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)))
