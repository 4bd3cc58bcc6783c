"""Staff report pages: the dashboard, the rows behind every figure, LEA/school/subregion pages, exports."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_decimal, format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record
from ..auth.access import staff_required
from ..db import commit
from ..directory.models import Lea, School
from ..errors import NotFound, ValidationFailed
from ..exports import csv_response, xlsx_response
from ..extensions import db
from ..opportunities.models import MODALITIES, OPPORTUNITY_KINDS, PILLARS, OpportunityTopic
from ..paging import page_number
from . import queries
from .definitions import DASHBOARD_SPLITS, FIGURES, SPLIT_BY_NAME
from .filters import COUNTYWIDE, ReportFilters, local_today, school_year_label, school_year_of
from .press import paragraphs
from .split_rows import SplitRow, SplitRows, key_label, labelled
from .support_side import lea_support_for, support_for

bp = Blueprint("reports", __name__)

PER_PAGE = 100
PEOPLE_LIST_LIMIT = 500


# Numbers with the locale's thousands separators, in every template (also inside imported macros).
bp.add_app_template_global(format_number, "format_number")
bp.add_app_template_global(format_decimal, "format_decimal")


@bp.app_template_filter("chart_lines")
def chart_lines(label: str, width: int = 24, lines: int = 2) -> list[str]:
    """A chart label in at most `lines` lines of about `width` characters, broken at spaces; "…" ends a label that
    does not fit (the bar's <title> and the table keep the full text)."""
    words, out = str(label).split(), [""]
    for word in words:
        candidate = f"{out[-1]} {word}".strip()
        if len(candidate) <= width or not out[-1]:
            out[-1] = candidate
        elif len(out) < lines:
            out.append(word)
        else:
            out[-1] = out[-1] + " …"
            break
    return [line if len(line) <= width + 2 else line[: width - 1] + "…" for line in out]


@bp.app_template_filter("dict_without")
def dict_without(value: dict, *keys: str) -> dict:
    return {k: v for k, v in value.items() if k not in keys}


def figure_labels() -> dict[str, str]:
    return {f.name: str(f.label) for f in FIGURES}


def split_labels() -> dict[str, str]:
    return {name: str(SPLIT_BY_NAME[name].title) for name in DASHBOARD_SPLITS}


def _filters_or_errors():
    try:
        return ReportFilters.from_args(request.args), {}
    except ValidationFailed as err:
        return None, err.fields


def _filter_context(f: ReportFilters | None, errors: dict) -> dict:
    this_year = school_year_of(local_today())
    topics = sorted(set(PILLARS) | set(db.session.scalars(select(OpportunityTopic.topic).distinct())))
    return {
        "filters": f,
        "errors": errors,
        "args": request.args,
        "kinds": OPPORTUNITY_KINDS,
        "modalities": MODALITIES,
        "topics": topics,
        "presets": [
            ("current", _("This school year (%(y)s)", y=school_year_label(this_year))),
            ("previous", _("Last school year (%(y)s)", y=school_year_label(this_year - 1))),
            ("custom", _("Custom dates")),
        ],
        "figure_labels": figure_labels(),
        "lea_value": _lea_value(f),
    }


def _lea_value(f: ReportFilters | None) -> str | None:
    """The LEA filter as the type-ahead shows a chosen LEA: "Name (CD code)"."""
    if f is None or f.lea is None:
        return None
    try:
        lea = queries.resolve_lea(f.lea)
    except ValidationFailed:
        return None
    return f"{lea.name} ({lea.cd_code})" if lea else None


def _split_note(by: str, rows: list[SplitRow]) -> str | None:
    """What a subregion chart shows, and how many participants have no subregion."""
    if by == "subregion":
        return _("Each opportunity counts under its own subregion; countywide ones have none.")
    if by != "people_subregion":
        return None
    neither = next((r.unique_individuals for r in rows if r.key is None), 0)
    return ngettext(
        "Each participant counts under their school's subregion (a school without one: its LEA's). "
        "%(count)s participant has neither.",
        "Each participant counts under their school's subregion (a school without one: its LEA's). "
        "%(count)s participants have neither.",
        neither,
        count=format_number(neither),
    )


def dashboard_splits(f: ReportFilters, found: SplitRows) -> list[dict]:
    splits = []
    for by, title in split_labels().items():
        rows = labelled(f, by, (r for r in found[by] if not (by == "people_subregion" and r.key is None)))
        splits.append({"by": by, "title": title, "rows": rows, "note": _split_note(by, found[by])})
    return splits


@bp.get("/staff/reports")
@staff_required
def dashboard():
    f, errors = _filters_or_errors()
    context = _filter_context(f, errors)
    if f is None:
        return render_template("reports/dashboard.html", summary=None, **context), 422
    try:
        s, found = queries.figures(f, queries.SPLITS)
    except ValidationFailed as err:
        context["errors"] = err.fields
        return render_template("reports/dashboard.html", summary=None, **context), 422
    support = support_for(f)
    return render_template(
        "reports/dashboard.html",
        summary=s,
        figures=FIGURES,
        paragraphs=paragraphs(f, s, support),
        splits=dashboard_splits(f, found),
        support=support,
        **context,
    )


@bp.get("/staff/reports/rows")
@staff_required
def rows():
    f = ReportFilters.from_args(request.args)
    figure = request.args.get("figure", "attendances")
    if figure not in queries.FIGURES:
        raise ValidationFailed(_("Unknown figure."), fields={"figure": [_("Choose one of the figures.")]})
    page = page_number()
    rowset = queries.figure_rows(f, figure)
    total = queries.count_rows(rowset)
    items = queries.page_rows(rowset, page, PER_PAGE)
    return render_template(
        "reports/rows.html",
        filters=f,
        figure=figure,
        figure_label=figure_labels()[figure],
        rowset=rowset,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        args=f.to_args(figure=figure),
    )


def _export(rowset: queries.RowSet, f: ReportFilters, fmt: str, name: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if rowset.personal:
        record(
            "export",
            actor=current_user,
            target_type="report",
            target_id=rowset.figure,
            format=fmt,
            filters=f.to_args(),
        )
        commit(db.session)
    filename = f"{name}-{f.date_from.isoformat()}-{f.date_to.isoformat()}.{fmt}"
    stream = queries.stream_rows(rowset.stmt)
    if fmt == "csv":
        return csv_response(filename, rowset.header, stream)
    return xlsx_response(filename, rowset.header, stream, title=name)


@bp.get("/staff/reports/rows.<fmt>")
@staff_required
def rows_export(fmt: str):
    """The rows behind a figure (figure=attendances: the attendance rows), streamed from the database."""
    f = ReportFilters.from_args(request.args)
    figure = request.args.get("figure", "attendances")
    if figure not in queries.FIGURES:
        raise ValidationFailed(_("Unknown figure."), fields={"figure": [_("Choose one of the figures.")]})
    return _export(queries.figure_rows(f, figure), f, fmt, figure.replace("_", "-"))


def report_table(f: ReportFilters) -> tuple[list[str], list[list]]:
    """The dashboard as one table: headline figures, then each split."""
    header = [_("Section"), _("Group"), _("Attendances"), _("Attendees"), _("Unique individuals"), _("Value")]
    s, found = queries.figures(f, queries.SPLITS)
    labels = figure_labels()
    table: list[list] = [[_("Headline"), labels[name], "", "", "", value] for name, value in s.as_dict().items()]
    for by, title in split_labels().items():
        for r in found[by]:
            table.append([title, key_label(by, r.key), r.attendances, r.attendees, r.unique_individuals, ""])
    return header, table


@bp.get("/staff/reports/report.<fmt>")
@staff_required
def report_export(fmt: str):
    """The dashboard's figures and splits (no personal data)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = ReportFilters.from_args(request.args)
    header, table = report_table(f)
    filename = f"report-{f.date_from.isoformat()}-{f.date_to.isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, table)
    return xlsx_response(filename, header, table, title="Report")


# --- LEA, school, subregion ----------------------------------------------------------------------
def _place_page(f: ReportFilters, title: str, heading: str, kind: str, extra_split: str | None = None, **extra):
    s, found = queries.figures(f, ("month",) + ((extra_split,) if extra_split else ()))
    if extra_split == "school":
        extra["schools"] = queries.attach_schools(found["school"])
    elif extra_split == "lea":
        extra["leas"] = queries.attach_leas(found["lea"])
    months = labelled(f, "month", found["month"])
    people_rows = queries.figure_rows(f, "attendees")
    people_total = s.unique_individuals
    pairs = list(db.session.execute(people_rows.stmt.limit(PEOPLE_LIST_LIMIT)))
    people: list[dict] = []
    for row in pairs:  # group the (person, opportunity) rows of one page under each person
        if not people or people[-1]["id"] != row[0]:
            people.append({"id": row[0], "name": f"{row[1]} {row[2]}", "place": row[5], "items": []})
        people[-1]["items"].append({"opportunity": row[7], "sessions": row[8]})
    return render_template(
        "reports/place.html",
        title=title,
        heading=heading,
        kind=kind,
        filters=f,
        summary=s,
        sessions_attended=queries.sessions_attended(f),
        months=months,
        people=people,
        people_total=people_total,
        people_truncated=len(pairs) >= PEOPLE_LIST_LIMIT,
        figure_labels=figure_labels(),
        **extra,
    )


def _place_filters(**fixed) -> ReportFilters:
    args = {k: v for k, v in request.args.items() if k not in fixed}
    args.update({k: str(v) for k, v in fixed.items()})
    return ReportFilters.from_args(args)


@bp.get("/staff/reports/leas/<cd_code>")
@staff_required
def lea_page(cd_code: str):
    lea = db.session.scalar(select(Lea).where(Lea.cd_code == cd_code))
    if lea is None:
        raise NotFound(_("No LEA has the CD code %(c)s.", c=cd_code))
    f = _place_filters(lea=cd_code)
    return _place_page(f, lea.name, lea.name, "lea", "school", lea=lea, support=lea_support_for(lea.id, f))


@bp.get("/staff/reports/schools/<cds_code>")
@staff_required
def school_page(cds_code: str):
    school = db.session.scalar(select(School).where(School.cds_code == cds_code))
    if school is None:
        raise NotFound(_("No school has the CDS code %(c)s.", c=cds_code))
    f = _place_filters(school=cds_code)
    return _place_page(f, school.name, school.name, "school", school=school)


@bp.get("/staff/reports/subregions/<key>")
@staff_required
def subregion_page(key: str):
    from ..directory.subregions import subregion_label

    if key == COUNTYWIDE:
        number = None
    elif key.isdigit() and 1 <= int(key) <= 8:
        number = int(key)
    else:
        raise NotFound(_("No such subregion."))
    f = _place_filters(subregion=key)
    name = subregion_label(number)
    return _place_page(f, name, name, "subregion", "lea")


def rows_url(f: ReportFilters, figure: str) -> str:
    return url_for("reports.rows", **f.to_args(figure=figure))
