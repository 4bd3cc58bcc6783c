"""Results of one survey, for the whole opportunity or one session: invited, responses, rate, and per question
the distribution and mean (scales), the counts (choices) or the comments (texts). The page, the exports and the
API all read survey_results()."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from ..extensions import db
from .models import CHOICE_KINDS, SCALE, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse


@dataclass
class QuestionResult:
    key: str
    kind: str
    text: str
    answers: int  # responses that answered it
    mean: float | None = None  # scales
    counts: dict[str, int] | None = None  # scales (1..5) and choices (each value)
    comments: list[str] = field(default_factory=list)  # texts


@dataclass
class SurveyResults:
    invited: int
    responses: int
    questions: list[QuestionResult]

    @property
    def response_rate(self) -> float | None:
        return rate(self.responses, self.invited)


def question_text(question, lang: str) -> str:
    return question.text_es if lang == "es" else question.text_en


def choice_label(question, value: str, lang: str) -> str:
    for choice in question.choices or []:
        if choice["value"] == value:
            return choice["es"] if lang == "es" else choice["en"]
    return value


def rounded_mean(total: int, count: int, places: int = 2) -> float | None:
    """total / count rounded half up (4.55 -> 4.6 at one place), computed exactly; None when count is 0."""
    if not count:
        return None
    exact = Decimal(total) / Decimal(count)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def rate(part: int, whole: int) -> float | None:
    return rounded_mean(part, whole, 4)


def mean_of(counts: dict[str, int]) -> float | None:
    return rounded_mean(sum(int(point) * n for point, n in counts.items()), sum(counts.values()))


def _count(model, survey_id: int, session_id: int | None) -> int:
    stmt = select(func.count()).select_from(model).where(model.survey_id == survey_id)
    if session_id is not None:
        stmt = stmt.where(model.session_id == session_id)
    return db.session.scalar(stmt) or 0


def _answers(survey_id: int, session_id: int | None):
    stmt = (
        select(SurveyAnswer.response_id, SurveyAnswer.question_key, SurveyAnswer.number, SurveyAnswer.text)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyAnswer.response_id, SurveyAnswer.id)
    )
    if session_id is not None:
        stmt = stmt.where(SurveyResponse.session_id == session_id)
    return db.session.execute(stmt).all()


def _result(question: SurveyQuestion, rows: list, lang: str) -> QuestionResult:
    mine = [row for row in rows if row.question_key == question.key]
    result = QuestionResult(
        question.key, question.kind, question_text(question, lang), len({r.response_id for r in mine})
    )
    if question.kind == "scale":
        result.counts = {str(point): sum(1 for r in mine if r.number == point) for point in SCALE}
        result.mean = mean_of(result.counts)
    elif question.kind in CHOICE_KINDS:
        result.counts = {c["value"]: sum(1 for r in mine if r.text == c["value"]) for c in question.choices or []}
    else:
        result.comments = [r.text for r in mine if r.text]
    return result


def survey_results(survey: Survey, session_id: int | None = None, lang: str = "en") -> SurveyResults:
    rows = _answers(survey.id, session_id)
    return SurveyResults(
        invited=_count(SurveyInvitation, survey.id, session_id),
        responses=_count(SurveyResponse, survey.id, session_id),
        questions=[_result(q, rows, lang) for q in survey.questions],
    )


@dataclass(frozen=True)
class Comment:
    key: str
    question: str
    text: str


def comments(results: SurveyResults, key: str | None = None, contains: str | None = None) -> list[Comment]:
    """The text answers, optionally of one question and containing some words (case-insensitive)."""
    needle = (contains or "").strip().casefold()
    return [
        Comment(q.key, q.text, text)
        for q in results.questions
        if key in (None, "", q.key)
        for text in q.comments
        if not needle or needle in text.casefold()
    ]
