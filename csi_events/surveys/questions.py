"""The question bank and each opportunity's survey: creating it with the standard questions, its settings, adding
and removing questions. Services flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..opportunities.models import LearningOpportunity
from .defaults import DEFAULT_BANK
from .models import CHOICE_KINDS, QUESTION_KINDS, TIMINGS, BankQuestion, Survey, SurveyQuestion

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_CHOICES = 20


@dataclass
class QuestionInput:
    key: str
    kind: str
    text_en: str
    text_es: str
    required: bool = False
    standard: bool = False
    choices: list[dict] | None = None  # [{"value", "en", "es"}]


@dataclass
class SurveySettings:
    timing: str
    close_after_days: int
    anonymous: bool


def ensure_bank() -> None:
    """Install the default bank when it has no rows at all (a new database); two first uses at once are fine."""
    if db.session.scalar(select(func.count()).select_from(BankQuestion)):
        return
    try:
        with db.session.begin_nested():
            for position, q in enumerate(DEFAULT_BANK):
                db.session.add(
                    BankQuestion(
                        key=q.key,
                        kind=q.kind,
                        text_en=q.text_en,
                        text_es=q.text_es,
                        required=q.required,
                        standard=q.standard,
                        choices=list(q.choices),
                        position=position,
                    )
                )
    except IntegrityError:
        pass  # another request installed it meanwhile


def bank_questions() -> list[BankQuestion]:
    ensure_bank()
    return list(db.session.scalars(select(BankQuestion).order_by(BankQuestion.position, BankQuestion.id)))


def standard_keys() -> list[str]:
    return [q.key for q in bank_questions() if q.standard]


def parse_choices(lines: str) -> list[dict]:
    """Choices typed one per line as "value | English | Spanish"."""
    out = []
    for line in (lines or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            raise ValidationFailed(
                _("Some fields are invalid."),
                fields={"choices": [_("Write each choice as: value | English | Spanish.")]},
            )
        out.append({"value": parts[0], "en": parts[1], "es": parts[2]})
    return out


def _check_question(data: QuestionInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not KEY_PATTERN.match(data.key or ""):
        errors["key"] = [_("Use 2 to 40 lowercase letters, digits or underscores, starting with a letter.")]
    if data.kind not in QUESTION_KINDS:
        errors["kind"] = [_("Choose a kind of question.")]
    for name in ("text_en", "text_es"):
        value = (getattr(data, name) or "").strip()
        if not value or len(value) > 300:
            errors[name] = [_("Write the question (up to 300 characters).")]
    choices = data.choices or []
    if data.kind in CHOICE_KINDS:
        values = [c.get("value", "") for c in choices]
        if len(choices) < 2 or len(choices) > MAX_CHOICES:
            errors["choices"] = [_("Give from 2 to %(n)d choices.", n=MAX_CHOICES)]
        elif len(set(values)) != len(values) or not all(KEY_PATTERN.match(v) for v in values):
            errors["choices"] = [_("Each choice needs its own value: lowercase letters, digits or underscores.")]
    elif choices:
        errors["choices"] = [_("Only single and multiple choice questions have choices.")]
    return errors


def save_bank_question(data: QuestionInput, question_id: int | None = None) -> BankQuestion:
    errors = _check_question(data)
    clash = db.session.scalar(select(BankQuestion).where(BankQuestion.key == data.key))
    if clash is not None and clash.id != question_id:
        errors.setdefault("key", []).append(_("Another question of the bank has this key."))
    if errors:
        raise ValidationFailed(_("Some fields are invalid."), fields=errors)
    if question_id is None:
        last = db.session.scalar(select(func.max(BankQuestion.position))) or 0
        question = BankQuestion(position=last + 1)
        db.session.add(question)
    else:
        question = _bank_question(question_id)
    question.key = data.key
    question.kind = data.kind
    question.text_en = data.text_en.strip()
    question.text_es = data.text_es.strip()
    question.required = data.required
    question.standard = data.standard
    question.choices = list(data.choices or []) if data.kind in CHOICE_KINDS else []
    db.session.flush()
    return question


def delete_bank_question(question_id: int) -> None:
    """Surveys keep their copies; only new surveys and the "add" list lose it."""
    db.session.delete(_bank_question(question_id))
    db.session.flush()


def _bank_question(question_id: int) -> BankQuestion:
    question = db.session.get(BankQuestion, question_id)
    if question is None:
        raise NotFound(_("This question is not in the bank."))
    return question


def _copy(bank: BankQuestion, position: int) -> SurveyQuestion:
    return SurveyQuestion(
        key=bank.key,
        kind=bank.kind,
        required=bank.required,
        position=position,
        text_en=bank.text_en,
        text_es=bank.text_es,
        choices=list(bank.choices or []),
    )


def survey_of(opportunity_id: int) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.opportunity_id == opportunity_id))


def ensure_survey(opportunity: LearningOpportunity) -> Survey:
    """The opportunity's survey, made with the standard questions on first use (safe when two make it at once)."""
    survey = survey_of(opportunity.id)
    if survey is not None:
        return survey
    standard = [q for q in bank_questions() if q.standard]
    try:
        with db.session.begin_nested():
            survey = Survey(opportunity_id=opportunity.id, questions=[_copy(q, i) for i, q in enumerate(standard)])
            db.session.add(survey)
    except IntegrityError:
        survey = survey_of(opportunity.id)
        assert survey is not None
    return survey


def update_settings(survey: Survey, settings: SurveySettings) -> None:
    errors: dict[str, list[str]] = {}
    if settings.timing not in TIMINGS:
        errors["timing"] = [_("Choose when the survey is sent.")]
    if not 1 <= settings.close_after_days <= 90:
        errors["close_after_days"] = [_("Choose from 1 to 90 days.")]
    if errors:
        raise ValidationFailed(_("Some fields are invalid."), fields=errors)
    if survey_has_invitations(survey) and (settings.timing, settings.anonymous) != (survey.timing, survey.anonymous):
        raise ValidationFailed(
            _("Invitations were sent already: when it is sent and whether it is anonymous can no longer change."),
            fields={"timing": [_("Invitations were sent already.")]},
        )
    survey.timing = settings.timing
    survey.close_after_days = settings.close_after_days
    survey.anonymous = settings.anonymous
    db.session.flush()


def survey_has_invitations(survey: Survey) -> bool:
    from .models import SurveyInvitation

    return bool(db.session.scalar(select(SurveyInvitation.id).where(SurveyInvitation.survey_id == survey.id).limit(1)))


def add_question(survey: Survey, bank_id: int) -> SurveyQuestion:
    bank = _bank_question(bank_id)
    if any(q.key == bank.key for q in survey.questions):
        raise ValidationFailed(_("This survey asks this question already."), fields={"question": [bank.key]})
    position = max((q.position for q in survey.questions), default=-1) + 1
    question = _copy(bank, position)
    survey.questions.append(question)
    db.session.flush()
    return question


def remove_question(survey: Survey, key: str) -> None:
    """Answers already given to it stay stored (results list only the survey's current questions)."""
    question = next((q for q in survey.questions if q.key == key), None)
    if question is None:
        raise NotFound(_("This survey has no such question."))
    survey.questions.remove(question)
    db.session.flush()
