"""Staff pages: the list of recent opportunities with their surveys, one opportunity's survey (when it is sent,
how long it stays open, anonymous, its questions) and the question bank (the center's standard questions)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record
from ..auth.access import staff_required
from ..db import commit, utcnow
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..opportunities.models import LearningOpportunity, Session
from .forms import ActionForm, AddQuestionForm, BankQuestionForm, RemoveQuestionForm, SettingsForm, kind_choices
from .questions import (
    QuestionInput,
    SurveySettings,
    add_question,
    bank_questions,
    delete_bank_question,
    ensure_survey,
    parse_choices,
    remove_question,
    save_bank_question,
    survey_has_invitations,
    update_settings,
)
from .views import bp

RECENT = timedelta(days=120)


def opportunity_or_404(opportunity_id: int) -> LearningOpportunity:
    opportunity = db.session.get(LearningOpportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(_("This learning opportunity does not exist."))
    return opportunity


def _flash_errors(err: DomainError) -> None:
    flash("; ".join([err.message, *(m for messages in err.fields.values() for m in messages)]), "error")


def _flash_form_errors(form) -> None:
    flash("; ".join(str(m) for messages in form.errors.values() for m in messages), "error")


@bp.get("/staff/surveys")
@staff_required
def index():
    since = utcnow() - RECENT
    stmt = (
        select(LearningOpportunity)
        .where(
            LearningOpportunity.status == "published",
            select(Session.id)
            .where(Session.opportunity_id == LearningOpportunity.id, Session.ends_at >= since)
            .exists(),
        )
        .order_by(LearningOpportunity.title)
        .limit(300)
    )
    return render_template("surveys/index.html", opportunities=db.session.scalars(stmt).all())


@bp.get("/staff/opportunities/<int:opportunity_id>/survey")
@staff_required
def setup(opportunity_id: int):
    opportunity = opportunity_or_404(opportunity_id)
    survey = ensure_survey(opportunity)
    commit(db.session)  # made with the standard questions on first visit
    settings = SettingsForm(data={"timing": survey.timing, "close_after_days": survey.close_after_days})
    settings.anonymous.data = survey.anonymous
    add_form = AddQuestionForm()
    asked = {q.key for q in survey.questions}
    add_form.question.choices = [(q.id, f"{q.text_en} ({q.key})") for q in bank_questions() if q.key not in asked]
    return render_template(
        "surveys/setup.html",
        opportunity=opportunity,
        survey=survey,
        settings=settings,
        add_form=add_form,
        remove_form=RemoveQuestionForm(),
        kind_labels=dict(kind_choices()),
        locked=survey_has_invitations(survey),
    )


@bp.post("/staff/opportunities/<int:opportunity_id>/survey/settings")
@staff_required
def save_settings(opportunity_id: int):
    survey = ensure_survey(opportunity_or_404(opportunity_id))
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            update_settings(survey, SurveySettings(form.timing.data, form.close_after_days.data, form.anonymous.data))
            record("survey.settings", actor=current_user, target=survey, timing=survey.timing)
            commit(db.session)
            flash(_("Survey settings saved."), "success")
        except ValidationFailed as err:
            db.session.rollback()
            _flash_errors(err)
    else:
        _flash_form_errors(form)
    return redirect(url_for("surveys.setup", opportunity_id=opportunity_id))


@bp.post("/staff/opportunities/<int:opportunity_id>/survey/questions/add")
@staff_required
def add(opportunity_id: int):
    survey = ensure_survey(opportunity_or_404(opportunity_id))
    form = AddQuestionForm()
    if form.validate_on_submit() and form.question.data:
        try:
            question = add_question(survey, form.question.data)
            record("survey.question_added", actor=current_user, target=survey, key=question.key)
            commit(db.session)
            flash(_("Question added."), "success")
        except (ValidationFailed, NotFound) as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("surveys.setup", opportunity_id=opportunity_id))


@bp.post("/staff/opportunities/<int:opportunity_id>/survey/questions/remove")
@staff_required
def remove(opportunity_id: int):
    survey = ensure_survey(opportunity_or_404(opportunity_id))
    form = RemoveQuestionForm()
    if form.validate_on_submit():
        try:
            remove_question(survey, form.key.data or "")
            record("survey.question_removed", actor=current_user, target=survey, key=form.key.data)
            commit(db.session)
            flash(_("Question removed."), "success")
        except NotFound as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("surveys.setup", opportunity_id=opportunity_id))


@bp.route("/staff/surveys/bank", methods=["GET", "POST"])
@staff_required
def bank():
    """The question bank; its standard questions are the center's default survey."""
    new_form = BankQuestionForm(prefix="new")
    if new_form.validate_on_submit() and _save_bank(new_form, None):
        return redirect(url_for("surveys.bank"))
    questions = bank_questions()
    commit(db.session)  # the default bank, installed on first use
    forms = [_filled(q) for q in questions]
    status = 422 if request.method == "POST" else 200
    return render_template(
        "surveys/bank.html", new_form=new_form, forms=forms, delete_form=ActionForm(), questions=questions
    ), status


@bp.post("/staff/surveys/bank/save")
@staff_required
def bank_save():
    raw = request.form.get("question_id", "")
    if not raw.isdigit():
        raise NotFound(_("This question is not in the bank."))
    form = BankQuestionForm(prefix=f"q{raw}")
    if form.validate_on_submit():
        _save_bank(form, int(raw))
    elif form.errors:
        _flash_form_errors(form)
    return redirect(url_for("surveys.bank"))


@bp.post("/staff/surveys/bank/delete")
@staff_required
def bank_delete():
    form = ActionForm()
    raw = request.form.get("question_id", "")
    if form.validate_on_submit() and raw.isdigit():
        try:
            delete_bank_question(int(raw))
            record("survey.bank_deleted", actor=current_user, target_type="survey_bank_questions", target_id=raw)
            commit(db.session)
            flash(_("Question deleted from the bank."), "success")
        except NotFound as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("surveys.bank"))


def _filled(question) -> BankQuestionForm:
    form = BankQuestionForm(prefix=f"q{question.id}", formdata=None, obj=question)
    form.question_id.data = str(question.id)
    form.choices.data = "\n".join(f"{c['value']} | {c['en']} | {c['es']}" for c in question.choices or [])
    return form


def _save_bank(form: BankQuestionForm, question_id: int | None) -> bool:
    try:
        data = QuestionInput(
            key=(form.key.data or "").strip(),
            kind=form.kind.data,
            text_en=form.text_en.data or "",
            text_es=form.text_es.data or "",
            required=bool(form.required.data),
            standard=bool(form.standard.data),
            choices=parse_choices(form.choices.data or ""),
        )
        question = save_bank_question(data, question_id)
        record("survey.bank_saved", actor=current_user, target_type="survey_bank_questions", target_id=question.id)
        commit(db.session)
        flash(_("Question saved."), "success")
        return True
    except (ValidationFailed, NotFound) as err:
        db.session.rollback()
        _flash_errors(err)
        return False
