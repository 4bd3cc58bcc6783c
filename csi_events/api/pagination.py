"""`?page=&per_page=` -> {"items", "page", "per_page", "total"}."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select

from ..extensions import db


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(50, ge=1, le=200)


def paginate(stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    """The rows of one page and the total, in two queries."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total or 0)


def page_body(items: list, page: int, per_page: int, total: int) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total}
