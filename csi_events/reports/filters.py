"""What a report covers: a range of local dates and optional filters, read from a query string.

Dates are local (America/Los_Angeles) and inclusive at both ends; a session belongs to the range when it
starts on or after local midnight of `date_from` and before local midnight of the day after `date_to`.
The school year runs July 1 to June 30.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..localtime import parse_local_date
from ..opportunities.models import MODALITIES, OPPORTUNITY_KINDS
from .definitions import NARROWING_FILTERS

COUNTYWIDE = "countywide"  # the opportunity-subregion filter: opportunities without a subregion
NO_SUBREGION = "none"  # the participants'-subregion filter: people whose school and LEA have none


def local_zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "America/Los_Angeles"))
    except RuntimeError:  # outside an app context (bench scripts)
        return ZoneInfo("America/Los_Angeles")


def local_today() -> date:
    return datetime.now(local_zone()).date()


def school_year_of(day: date) -> int:
    """The school year a day falls in, named by the calendar year it starts in (2024 = 2024-25)."""
    return day.year if day.month >= 7 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 7, 1), date(start_year + 1, 6, 30)


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def _lea(raw: str | None, errors: dict[str, list[str]]) -> str | None:
    """The LEA filter: a name as typed, "Name (CD code)" as the type-ahead fills it in (the code is kept), or a
    CD code; the name is looked up when the report is made (counting.resolve_lea)."""
    value = " ".join((raw or "").split())
    if not value:
        return None
    picked = re.search(r"\((\d{7})\)$", value)
    if picked:
        return picked.group(1)
    if len(value) > 200:
        errors["lea"] = [_("Type fewer characters of the LEA's name.")]
        return None
    return value


def _subregion(args, key: str, bucket: str, errors: dict[str, list[str]]) -> int | str | None:
    """A subregion filter: 1..8, the `bucket` word (countywide / none), or nothing."""
    raw = (args.get(key) or "").strip()
    if raw == bucket:
        return bucket
    if not raw:
        return None
    if raw.isdigit() and 1 <= int(raw) <= 8:
        return int(raw)
    if key == "subregion":
        errors[key] = [_("Choose a subregion from 1 to 8, or countywide.")]
    else:
        errors[key] = [_("Choose a subregion from 1 to 8, or none.")]
    return None


@dataclass(frozen=True)
class ReportFilters:
    date_from: date
    date_to: date
    subregion: int | str | None = None  # 1..8, "countywide" (opportunities without a subregion) or None
    lea: str | None = None  # cd_code (7 digits), the LEA's id, or its name
    kind: str | None = None
    modality: str | None = None
    topic: str | None = None
    school: str | None = None  # CDS code (14 digits): the school pages
    people_subregion: int | str | None = None  # 1..8 or "none": the participants' subregion (their school's or LEA's)
    preset: str | None = field(default=None, compare=False)

    # --- building -------------------------------------------------------------------------------
    @classmethod
    def school_year(cls, start_year: int, **kw) -> ReportFilters:
        start, end = school_year_bounds(start_year)
        return cls(date_from=start, date_to=end, **kw)

    @classmethod
    def current_year(cls, **kw) -> ReportFilters:
        return cls.school_year(school_year_of(local_today()), preset="current", **kw)

    @classmethod
    def from_args(cls, args) -> ReportFilters:  # noqa: C901 -- one check per filter; the filters rewrite (issue 13 item 1) splits it
        """From request.args (or a dict); bad values raise ValidationFailed (a 422 page or JSON body)."""
        errors: dict[str, list[str]] = {}
        this_year = school_year_of(local_today())
        preset = (args.get("preset") or "").strip() or None
        if preset == "previous":
            date_from, date_to = school_year_bounds(this_year - 1)
        elif preset in (None, "current", "custom"):
            date_from, date_to = school_year_bounds(this_year)
        else:
            errors["preset"] = [_("Choose the current year, the previous year or custom dates.")]
            date_from, date_to = school_year_bounds(this_year)
        if preset in (None, "custom"):
            for key in ("from", "to"):
                raw = (args.get(key) or "").strip()
                if not raw:
                    continue
                try:
                    value = parse_local_date(raw, key)  # out of range: a 422 (localtime.py)
                except ValueError:
                    errors[key] = [_("Use a date like 2025-03-04.")]
                    continue
                if key == "from":
                    date_from = value
                else:
                    date_to = value
            if (args.get("from") or args.get("to")) and preset is None:
                preset = "custom"
        if date_to < date_from:
            errors.setdefault("to", []).append(_("The end date is before the start date."))

        subregion = _subregion(args, "subregion", COUNTYWIDE, errors)
        people_subregion = _subregion(args, "people_subregion", NO_SUBREGION, errors)

        lea = _lea(args.get("lea"), errors)

        kind = (args.get("kind") or "").strip() or None
        if kind is not None and kind not in OPPORTUNITY_KINDS:
            errors["kind"] = [_("Unknown kind.")]
        modality = (args.get("modality") or "").strip() or None
        if modality is not None and modality not in MODALITIES:
            errors["modality"] = [_("Unknown modality.")]
        topic = (args.get("topic") or "").strip() or None
        if topic is not None and len(topic) > 60:
            errors["topic"] = [_("Unknown topic.")]
        school = (args.get("school") or "").strip() or None
        if school is not None and not (school.isdigit() and len(school) == 14):
            errors["school"] = [_("Give the school's 14-digit CDS code.")]
        if errors:
            raise ValidationFailed(_("Some report filters are invalid."), fields=errors)
        return cls(
            date_from,
            date_to,
            subregion,
            lea,
            kind,
            modality,
            topic,
            school,
            people_subregion,
            preset=preset or "current",
        )

    def but(self, **changes) -> ReportFilters:
        return replace(self, **changes)

    # --- using ----------------------------------------------------------------------------------
    @property
    def starts_utc(self) -> datetime:
        return local_midnight_utc(self.date_from)

    @property
    def ends_utc(self) -> datetime:
        """Exclusive upper bound: local midnight after date_to."""
        return local_midnight_utc(self.date_to + timedelta(days=1))

    def months(self) -> list[tuple[str, datetime, datetime]]:
        """Each local calendar month the range touches: ("2025-03", its UTC start, its UTC end)."""
        out = []
        first = date(self.date_from.year, self.date_from.month, 1)
        while first <= self.date_to:
            nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            out.append((f"{first:%Y-%m}", local_midnight_utc(first), local_midnight_utc(nxt)))
            first = nxt
        return out

    def to_args(self, **extra) -> dict[str, Any]:
        """Query-string arguments that rebuild these filters (for links and exports); every value a string, typed
        Any as url_for's keyword values are."""
        args: dict[str, Any] = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        for flt in NARROWING_FILTERS:
            value = getattr(self, flt.name)
            if value is not None:
                args[flt.arg] = str(value)
        args.update({k: str(v) for k, v in extra.items() if v is not None})
        return args

    @property
    def school_year_start(self) -> int | None:
        """The school year when the range is exactly one school year, else None."""
        year = school_year_of(self.date_from)
        if (self.date_from, self.date_to) == school_year_bounds(year):
            return year
        return None

    @property
    def period_label(self) -> str:
        year = self.school_year_start
        if year is not None:
            return school_year_label(year)
        return f"{self.date_from.isoformat()} – {self.date_to.isoformat()}"
