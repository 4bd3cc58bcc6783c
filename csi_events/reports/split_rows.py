"""One row of a report split (by month, subregion, topic, kind, modality, LEA, school, person, opportunity): its key,
its three attendance figures and, once a page shows it, its label, the filters that narrow the report to it and its
LEA or school. Built here only: `counted` (the SQL path, the rollup, a month without attendance), `labelled` (the
dashboard and the place pages) and `with_places` (the LEA and school tables, the LEA attendance API). Rows are frozen:
the figures cache hands the same rows to every caller, and each step makes new ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask_babel import format_date
from flask_babel import gettext as _

from ..labels import label
from .filters import COUNTYWIDE, NO_SUBREGION, ReportFilters

if TYPE_CHECKING:
    from ..directory.models import Lea, School

SplitKey = str | int | None  # text keys (month "YYYY-MM", kind, ...) or ids and subregion numbers; None: none


@dataclass(frozen=True)
class SplitRow:
    key: SplitKey
    attendances: int
    attendees: int
    unique_individuals: int
    label: str = ""  # how the key is shown (labelled)
    args: Mapping[str, str] = field(default_factory=dict)  # query arguments narrowing the report to this row
    school: School | None = None  # the key's School (with_places, school splits)
    lea: Lea | None = None  # the key's Lea (with_places, LEA splits)

    def counts(self) -> dict[str, int]:
        """The three figures, in the order the API and exports show them."""
        return {
            "attendances": self.attendances,
            "attendees": self.attendees,
            "unique_individuals": self.unique_individuals,
        }


SplitRows = dict[str, list[SplitRow]]  # split name -> its rows


def counted(key: SplitKey, attendances: int = 0, attendees: int = 0, unique_individuals: int = 0) -> SplitRow:
    """A row as counted (zeros: a month of the range without attendance)."""
    return SplitRow(key, int(attendances), int(attendees), int(unique_individuals))


def sort_by_key(rows: list[SplitRow]) -> None:
    """Key order, the row without a key last."""
    rows.sort(key=lambda r: (r.key is None, r.key if r.key is not None else 0))


def key_label(by: str, key: SplitKey) -> str:
    """How a split's key is shown."""
    from ..directory.subregions import subregion_label

    if by == "month":
        year, month = (int(x) for x in str(key).split("-"))
        return format_date(date(year, month, 1), "MMM y")
    if by == "people_subregion" and key is None:
        return _("Neither school nor LEA has one")
    if by in ("subregion", "people_subregion"):
        return subregion_label(None if key is None else int(key))
    return label(None if key is None else str(key))


def key_filters(f: ReportFilters, by: str, key: SplitKey) -> dict[str, str]:
    """Query arguments that narrow `f` to one bar of a split (so every bar links to its rows)."""
    if by == "month":
        year, month = (int(x) for x in str(key).split("-"))
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return f.but(date_from=max(f.date_from, first), date_to=min(f.date_to, nxt - timedelta(days=1))).to_args()
    if by == "subregion":
        return f.but(subregion=COUNTYWIDE if key is None else key).to_args()
    if by == "people_subregion":
        return f.but(people_subregion=NO_SUBREGION if key is None else key).to_args()
    return f.but(**{by: key}).to_args()


def labelled(f: ReportFilters, by: str, rows: Iterable[SplitRow]) -> list[SplitRow]:
    """The rows with their labels and the filters of their rows' links."""
    return [replace(r, label=key_label(by, r.key), args=key_filters(f, by, r.key)) for r in rows]
