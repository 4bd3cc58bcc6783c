"""Result pages: one opportunity's survey (all sessions or one), with its comments filter and CSV/XLSX export
(staff and the opportunity's facilitators), and the summary across opportunities (staff) with its exports."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import can_manage_opportunity, signed_in_required, staff_required
from ..db import commit
from ..errors import Forbidden
from ..exports import csv_response, xlsx_response
from ..extensions import db
from ..labels import choices
from ..opportunities.models import MODALITIES, OPPORTUNITY_KINDS, PILLARS
from ..reports.filters import ReportFilters
from . import export_rows
from .questions import ensure_survey
from .results import comments, survey_results
from .staff_views import opportunity_or_404
from .summary import SPLITS, survey_summary
from .views import bp

EXPORT_FORMATS = ("csv", "xlsx")


def _lang() -> str:
    return str(get_locale() or "en")


def _readable_survey(opportunity_id: int):
    opportunity = opportunity_or_404(opportunity_id)
    if not can_manage_opportunity(current_user, opportunity):
        raise Forbidden(_("Only staff and the facilitators of this learning opportunity may read its survey."))
    survey = ensure_survey(opportunity)
    commit(db.session)
    return opportunity, survey


def _session_arg(opportunity) -> int | None:
    raw = request.args.get("session", "")
    if raw.isdigit() and any(s.id == int(raw) for s in opportunity.sessions):
        return int(raw)
    return None


@bp.get("/staff/opportunities/<int:opportunity_id>/survey/results")
@signed_in_required
def results(opportunity_id: int):
    opportunity, survey = _readable_survey(opportunity_id)
    session_id = _session_arg(opportunity)
    found = survey_results(survey, session_id, _lang())
    key = request.args.get("question") or None
    contains = (request.args.get("q") or "").strip()[:200]
    return render_template(
        "surveys/results.html",
        opportunity=opportunity,
        survey=survey,
        results=found,
        session_id=session_id,
        comments=comments(found, key, contains),
        text_questions=[q for q in found.questions if q.kind in ("short_text", "long_text")],
        comment_key=key,
        contains=contains,
    )


@bp.get("/staff/opportunities/<int:opportunity_id>/survey/results.<fmt>")
@signed_in_required
def results_export(opportunity_id: int, fmt: str):
    if fmt not in EXPORT_FORMATS:
        abort(404)
    opportunity, survey = _readable_survey(opportunity_id)
    found = survey_results(survey, _session_arg(opportunity), _lang())
    header, rows = export_rows.results_table(found)
    name = f"survey-{opportunity.id}.{fmt}"
    if fmt == "csv":
        return csv_response(name, header, rows)
    return xlsx_response(name, header, rows, title=_("Survey"))


@bp.get("/staff/surveys/summary")
@staff_required
def summary():
    filters = ReportFilters.from_args(request.args)
    found = survey_summary(filters)
    return render_template(
        "surveys/summary.html",
        filters=filters,
        summary=found,
        splits=SPLITS,
        questions=export_rows.standard_texts(found.keys, _lang()),
        kinds=choices(OPPORTUNITY_KINDS),
        modalities=choices(MODALITIES),
        topics=choices(PILLARS),
        args=filters.to_args(),
    )


@bp.get("/staff/surveys/summary.<fmt>")
@staff_required
def summary_export(fmt: str):
    if fmt not in EXPORT_FORMATS:
        abort(404)
    filters = ReportFilters.from_args(request.args)
    found = survey_summary(filters)
    header, rows = export_rows.summary_table(found, export_rows.standard_texts(found.keys, _lang()))
    name = f"survey-summary-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(name, header, rows)
    return xlsx_response(name, header, rows, title=_("Survey summary"))
