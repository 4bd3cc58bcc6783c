"""The page number of a paginated page, from `?page=`: a whole number from 1 to MAX_PAGE, anything else is 1."""

from __future__ import annotations

from flask import request

MAX_PAGE = 100000


def page_number(value: str | None = None) -> int:
    raw = request.args.get("page") if value is None else value
    try:
        return max(1, min(int(raw or 1), MAX_PAGE))
    except ValueError:
        return 1
