"""The one set of report queries: pages, exports and the API all read their figures from here.

This module is the public entry point; the code lives by responsibility in:
- counting.py: the counting rules (docs/architecture.md "Counting", made exact), the person-side Scope and the
  building blocks (attendance_select, month_expression);
- figures.py: the headline figures and splits, one statement, served through cache.py;
- split_rows.py: the typed row of a split (SplitRow), with its label, links' filters and place;
- places.py: what the LEA, school and subregion pages add (places attached to rows, sessions attended);
- rows.py: the rows behind each figure (rows page and exports);
- person.py: one person's attendances, PD hours, registrations, certificate and transcript data.
"""

from __future__ import annotations

from .counting import (
    BREAKDOWNS,
    COUNTED_STATUSES,
    FIGURES,
    SPLITS,
    Scope,
    attendance_select,
    merged_rows_exist,
    month_expression,
    resolve_lea,
    resolve_scope,
)
from .figures import Summary, breakdown, figures, figures_select, grain_ctes, offering_figures_select, summary
from .person import (
    PersonHistory,
    certificate_data,
    person_attendance_select,
    person_history,
    person_registrations,
    round_hours,
    transcript_data,
)
from .places import attach_leas, attach_schools, sessions_attended
from .rows import RowSet, count_rows, figure_rows, page_rows, stream_rows
from .split_rows import SplitRow, SplitRows

__all__ = [
    "BREAKDOWNS",
    "COUNTED_STATUSES",
    "FIGURES",
    "SPLITS",
    "PersonHistory",
    "RowSet",
    "Scope",
    "SplitRow",
    "SplitRows",
    "Summary",
    "attach_leas",
    "attach_schools",
    "attendance_select",
    "breakdown",
    "certificate_data",
    "count_rows",
    "figure_rows",
    "figures",
    "figures_select",
    "grain_ctes",
    "merged_rows_exist",
    "month_expression",
    "offering_figures_select",
    "page_rows",
    "person_attendance_select",
    "person_history",
    "person_registrations",
    "resolve_lea",
    "resolve_scope",
    "round_hours",
    "sessions_attended",
    "stream_rows",
    "summary",
    "transcript_data",
]
