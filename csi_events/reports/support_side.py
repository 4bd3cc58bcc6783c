"""Support activities beside attendance: the support figures (support/queries.py, their one definition)
for the same report filters, used by the dashboard, the LEA page and the summary API alike."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..directory.subregions import subregion_label
from ..labels import label
from ..support.queries import SupportFilters, lea_support, list_args, support_figures
from . import queries
from .filters import ReportFilters

SPLITS = (
    ("by_month", "month", _l("Support activities by month"), str),
    ("by_subregion", "subregion", _l("Support activities by subregion"), subregion_label),
    ("by_kind", "kind", _l("Support activities by kind"), label),
    ("by_modality", "modality", _l("Support activities by modality"), label),
)


@dataclass
class SupportSide:
    figures: dict
    list_args: dict  # query parameters of the support list page showing the rows behind the figures

    def splits(self) -> list[dict]:
        """Each split present in the figures, its rows labelled for a chart and a table."""
        found = []
        for key, field, title, to_label in SPLITS:
            if key not in self.figures:
                continue
            rows = [
                {"label": to_label(r[field]), "key": r[field], "count": r["count"], "hours": r["hours"]}
                for r in self.figures[key]
            ]
            found.append({"id": key, "field": field, "title": str(title), "rows": rows})
        return found


def support_for(f: ReportFilters) -> SupportSide | None:
    """Figures for the dates, subregion and LEA of `f`; None when the filters name something support
    activities do not have (the "countywide" subregion is an opportunity bucket; an activity always has
    an LEA). Kind, modality and topic filters are those of opportunities and do not apply."""
    subregion = f.subregion if isinstance(f.subregion, int) else None
    if f.subregion is not None and subregion is None:
        return None
    lea = queries.resolve_lea(f.lea)
    filters = SupportFilters(
        date_from=f.date_from, date_to=f.date_to, subregion=subregion, lea_id=lea.id if lea else None
    )
    figures = support_figures(**filters.as_dict())
    return SupportSide(figures, list_args(filters))


def consultation_modalities(f: ReportFilters) -> list[str]:
    """The modalities (on_site, virtual, phone) of the consultation visits among the support activities of `f`, in
    the order support/queries.py lists them (the press paragraph's "including on-site and virtual ...")."""
    subregion = f.subregion if isinstance(f.subregion, int) else None
    lea = queries.resolve_lea(f.lea)
    found = support_figures(
        date_from=f.date_from,
        date_to=f.date_to,
        subregion=subregion,
        lea_id=lea.id if lea else None,
        kind="consultation_visit",
    )
    return [r["modality"] for r in found.get("by_modality", []) if r["count"]]


def lea_support_for(lea_id: int, f: ReportFilters) -> SupportSide:
    """An LEA's support activities in the period of `f` (the LEA page)."""
    figures = lea_support(lea_id, f.date_from, f.date_to)
    return SupportSide(figures, list_args(SupportFilters(date_from=f.date_from, date_to=f.date_to, lea_id=lea_id)))
