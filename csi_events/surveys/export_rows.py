"""The rows of the survey exports: the same figures as the pages (results.py, summary.py), one table each."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..labels import label
from .models import BankQuestion
from .results import SurveyResults
from .summary import SPLITS, SurveySummary


def standard_texts(keys: list[str], lang: str) -> dict[str, str]:
    rows = db.session.execute(select(BankQuestion.key, BankQuestion.text_en, BankQuestion.text_es)).all()
    texts = {key: (es if lang == "es" else en) for key, en, es in rows}
    return {key: texts.get(key, key) for key in keys}


def results_table(results: SurveyResults) -> tuple[list[str], list[list]]:
    """One row per figure: the totals, then each question's mean, each count, and each comment."""
    header = [_("Question key"), _("Question"), _("Figure"), _("Value")]
    rows: list[list] = [
        ["", "", _("Invited"), results.invited],
        ["", "", _("Responses"), results.responses],
        ["", "", _("Response rate"), results.response_rate],
    ]
    for q in results.questions:
        rows.append([q.key, q.text, _("Answers"), q.answers])
        if q.kind == "scale":
            rows.append([q.key, q.text, _("Mean"), q.mean])
        for value, n in (q.counts or {}).items():
            rows.append([q.key, q.text, _("Count: %(value)s", value=value), n])
        for text in q.comments:
            rows.append([q.key, q.text, _("Comment"), text])
    return header, rows


def _split_key(split: str, key) -> str:
    if key is None:
        return _("Countywide") if split == "subregion" else ""
    return str(key) if split in ("month", "subregion") else str(label(key))


def summary_table(summary: SurveySummary, texts: dict[str, str]) -> tuple[list[str], list[list]]:
    header = [_("Split"), _("Group"), _("Invited"), _("Responses"), _("Response rate"), *texts.values()]

    def row(split: str, group) -> list:
        return [
            split,
            group.key if split == "all" else _split_key(split, group.key),
            group.invited,
            group.responses,
            group.response_rate,
            *(group.mean(k) for k in summary.keys),
        ]

    rows = [row("all", summary.overall)]
    rows[0][1] = _("All")
    for split in SPLITS:
        rows.extend(row(split, group) for group in summary.by[split])
    return header, rows
