"""The one declarative definition of the report: its figures, its splits and its filters.

Everything else is derived from these tables: the SQL path (figures.py) builds one UNION ALL branch per split from
`Split.source`; the school-year rollup (rollup.py, rollup_shares.py) keeps exactly the splits marked `in_rollup`
and answers only when every asked split is one of them and no filter but the range is set (`rollup_answers`);
the filters' query-string keys (filters.py) and the dashboard's labels and one-line definitions come from here.
The counting rules themselves are stated once, in counting.py's docstring, and made exact there.
What changes a figure (the triggers that keep the rollup and the figures cache fresh) is declared in watch.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Source(Enum):
    """Where a figure or a split's key comes from."""

    OFFERING = "offering"  # the sessions in range of counted opportunities (attended or not)
    SESSION = "session"  # the session of an attendance (its local month)
    OPPORTUNITY = "opportunity"  # a column of the opportunity attended
    TOPIC = "topic"  # the opportunity's topics (one attendance counts under each)
    PERSON = "person"  # the person counted (after merges)


@dataclass(frozen=True)
class Figure:
    name: str
    label: LazyString
    definition: LazyString  # one line, shown beside the number
    source: Source
    reach_of: str | None = None  # "... reached": the number of keys (other than none) of this person-side split


@dataclass(frozen=True)
class Split:
    name: str
    title: LazyString
    source: Source
    key_is_text: bool  # keys are text (month, kind, ...) or numbers (subregion, ids)
    in_rollup: bool  # the school-year rollup keeps this split
    column: str | None = None  # the opportunity's column (OPPORTUNITY), the column of counting.people_places (PERSON)
    on_dashboard: bool = False


class FilterSide(Enum):
    RANGE = "range"  # the dates: the rollup answers exactly one whole school year
    OPPORTUNITY = "opportunity"
    PERSON = "person"


@dataclass(frozen=True)
class Filter:
    name: str  # the ReportFilters attribute
    arg: str  # the query-string key
    side: FilterSide


FIGURES: tuple[Figure, ...] = (
    Figure(
        "opportunities",
        _l("Learning opportunities offered"),
        _l("Published opportunities with a session in the period, attended or not."),
        Source.OFFERING,
    ),
    Figure(
        "opportunities_with_attendance",
        _l("Learning opportunities with attendance"),
        _l("Opportunities offered at which at least one person checked in."),
        Source.OFFERING,
    ),
    Figure("sessions", _l("Sessions"), _l("Sessions in the period of the opportunities offered."), Source.OFFERING),
    Figure("attendances", _l("Attendances"), _l("Check-ins not undone: one per person and session."), Source.SESSION),
    Figure(
        "attendees",
        _l("Attendees"),
        _l("People counted once per opportunity they attended."),
        Source.OPPORTUNITY,
    ),
    Figure(
        "unique_individuals",
        _l("Unique individuals"),
        _l("People counted once, whatever they attended (merged duplicates once)."),
        Source.PERSON,
    ),
    Figure("leas", _l("LEAs reached"), _l("Distinct LEAs of the people who attended."), Source.PERSON, "lea"),
    Figure(
        "schools", _l("Schools reached"), _l("Distinct schools of the people who attended."), Source.PERSON, "school"
    ),
    Figure(
        "subregions",
        _l("Subregions reached"),
        _l("Distinct subregions of the attendees' schools (a school without one takes its LEA's)."),
        Source.PERSON,
        "people_subregion",
    ),
)

SPLITS: tuple[Split, ...] = (
    Split("month", _l("By month"), Source.SESSION, key_is_text=True, in_rollup=True, on_dashboard=True),
    Split(
        "people_subregion",
        _l("By subregion of the participants' schools"),
        Source.PERSON,
        key_is_text=False,
        in_rollup=True,
        column="people_subregion",
        on_dashboard=True,
    ),
    Split(
        "subregion",
        _l("By subregion of the opportunity"),
        Source.OPPORTUNITY,
        key_is_text=False,
        in_rollup=True,
        column="subregion",
        on_dashboard=True,
    ),
    Split("topic", _l("By topic"), Source.TOPIC, key_is_text=True, in_rollup=True, on_dashboard=True),
    Split(
        "kind", _l("By kind"), Source.OPPORTUNITY, key_is_text=True, in_rollup=True, column="kind", on_dashboard=True
    ),
    Split(
        "modality",
        _l("By modality"),
        Source.OPPORTUNITY,
        key_is_text=True,
        in_rollup=True,
        column="modality",
        on_dashboard=True,
    ),
    Split("lea", _l("By LEA"), Source.PERSON, key_is_text=False, in_rollup=True, column="lea"),
    Split("school", _l("By school"), Source.PERSON, key_is_text=False, in_rollup=True, column="school"),
    Split("person", _l("By person"), Source.PERSON, key_is_text=False, in_rollup=False, column="id"),
    Split("opportunity", _l("By opportunity"), Source.OPPORTUNITY, key_is_text=False, in_rollup=False, column="id"),
)

FILTERS: tuple[Filter, ...] = (
    Filter("date_from", "from", FilterSide.RANGE),
    Filter("date_to", "to", FilterSide.RANGE),
    Filter("subregion", "subregion", FilterSide.OPPORTUNITY),
    Filter("lea", "lea", FilterSide.PERSON),
    Filter("kind", "kind", FilterSide.OPPORTUNITY),
    Filter("modality", "modality", FilterSide.OPPORTUNITY),
    Filter("topic", "topic", FilterSide.OPPORTUNITY),
    Filter("school", "school", FilterSide.PERSON),
    Filter("people_subregion", "people_subregion", FilterSide.PERSON),
)

FIGURE_NAMES: tuple[str, ...] = tuple(f.name for f in FIGURES)
SPLIT_BY_NAME: dict[str, Split] = {s.name: s for s in SPLITS}
DASHBOARD_SPLITS: tuple[str, ...] = tuple(s.name for s in SPLITS if s.on_dashboard)
ROLLUP_SPLITS: tuple[Split, ...] = tuple(s for s in SPLITS if s.in_rollup)
REACH_FIGURES: tuple[Figure, ...] = tuple(f for f in FIGURES if f.reach_of)
NARROWING_FILTERS: tuple[Filter, ...] = tuple(f for f in FILTERS if f.side is not FilterSide.RANGE)


def split(name: str) -> Split:
    try:
        return SPLIT_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown split {name!r}") from None
