"""Checking a set of answers against a survey's questions before anything is stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import ValidationFailed
from .models import SCALE, SurveyQuestion

TEXT_LIMITS = {"short_text": 300, "long_text": 4000}


@dataclass(frozen=True)
class AnswerValue:
    """One stored value: a scale point (`number`) or a choice or text (`text`)."""

    question_key: str
    number: int | None = None
    text: str | None = None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _scale(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value not in SCALE:
        raise ValueError
    return value


def _values_of(question: SurveyQuestion, value: object) -> list[AnswerValue]:
    """The stored values of one answered question; ValueError with a message when the value does not fit."""
    key = question.key
    allowed = [c["value"] for c in question.choices or []]
    if question.kind == "scale":
        try:
            return [AnswerValue(key, number=_scale(value))]
        except ValueError:
            raise ValueError(_("Choose a number from 1 to 5.")) from None
    if question.kind == "single":
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(_("Choose one of the choices offered."))
        return [AnswerValue(key, text=value)]
    if question.kind == "multiple":
        picks = [value] if isinstance(value, str) else value
        if not isinstance(picks, list) or not all(isinstance(p, str) and p in allowed for p in picks):
            raise ValueError(_("Choose among the choices offered."))
        if len(set(picks)) != len(picks):
            raise ValueError(_("Each choice can be chosen once."))
        return [AnswerValue(key, text=p) for p in sorted(picks, key=allowed.index)]
    if not isinstance(value, str):
        raise ValueError(_("Write your answer as text."))
    limit = TEXT_LIMITS[question.kind]
    if len(value.strip()) > limit:
        raise ValueError(_("Write at most %(n)d characters.", n=limit))
    return [AnswerValue(key, text=value.strip())]


def check_answers(questions: Iterable[SurveyQuestion], raw: Mapping[str, object]) -> list[AnswerValue]:
    """Every value to store, or ValidationFailed naming each wrong question (unknown keys, values outside the
    scale or the choices, missing required answers): all or nothing."""
    by_key = {q.key: q for q in questions}
    errors: dict[str, list[str]] = {}
    values: list[AnswerValue] = []
    for key in raw:
        if key not in by_key:
            errors[key] = [_("This survey has no question %(key)s.", key=key)]
    for key, question in by_key.items():
        value = raw.get(key)
        if _blank(value):
            if question.required:
                errors[key] = [_("This question needs an answer.")]
            continue
        try:
            values.extend(_values_of(question, value))
        except ValueError as err:
            errors[key] = [str(err)]
    if errors:
        raise ValidationFailed(_("Some answers need your attention."), fields=errors)
    return values


def answers_by_key(stored: Iterable) -> dict[str, object]:
    """Stored answers back as the form shows them: a number, a text, or a list of picks."""
    out: dict[str, object] = {}
    for a in stored:
        if a.number is not None:
            out[a.question_key] = a.number
        elif a.question_key in out:
            previous = out[a.question_key]
            out[a.question_key] = [*(previous if isinstance(previous, list) else [previous]), a.text]
        else:
            out[a.question_key] = a.text
    return out
