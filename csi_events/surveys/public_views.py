"""The participant's pages: the survey of an e-mailed link (no account), and the short link of the QR code shown
at the end of a session (confirm with the e-mail you registered with)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import get_locale

from ..auth.access import access_rule
from ..db import commit, utcnow
from ..errors import Conflict, DomainError, ValidationFailed
from ..extensions import db, limiter
from .answers import answers_by_key
from .forms import ActionForm, SpotForm
from .invitations import spot_invitation, spot_round
from .rounds import round_of_invitation
from .submit import ensure_open, own_response, submit_response
from .tokens import invitation_from_token, invitation_token
from .views import bp

FIELD_PREFIX = "q_"


def _lang() -> str:
    return str(get_locale() or "en")


def posted_answers(questions) -> dict[str, object]:
    """The answers of the form, by question key; fields of questions the survey does not have are kept (and
    refused by the service)."""
    raw: dict[str, object] = {}
    kinds = {q.key: q.kind for q in questions}
    for name in request.form:
        if not name.startswith(FIELD_PREFIX):
            continue
        key = name[len(FIELD_PREFIX) :]
        raw[key] = request.form.getlist(name) if kinds.get(key) == "multiple" else request.form.get(name)
    return raw


def _page(invitation, form, values, errors=None, message=None, status=200):
    return (
        render_template(
            "surveys/answer.html",
            invitation=invitation,
            survey=invitation.survey,
            survey_round=round_of_invitation(invitation),
            opportunity=invitation.survey.opportunity,
            form=form,
            values=values,
            errors=errors or {},
            message=message,
            lang=_lang(),
            prefix=FIELD_PREFIX,
        ),
        status,
    )


@bp.route("/survey/<token>", methods=["GET", "POST"])
@access_rule("signed-link")
def answer(token: str):
    invitation = invitation_from_token(token)
    now = utcnow()
    form = ActionForm()
    try:
        ensure_open(invitation, now)
    except Conflict as err:
        return render_template(
            "surveys/closed.html", message=err.message, opportunity=invitation.survey.opportunity
        ), 409
    if invitation.survey.anonymous and invitation.spent:
        return render_template("surveys/thanks.html", opportunity=invitation.survey.opportunity, already=True), 200
    response = own_response(invitation)
    values = answers_by_key(response.answers) if response else {}
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _page(invitation, form, values, status=status)
    raw = posted_answers(invitation.survey.questions)
    try:
        outcome = submit_response(invitation, raw, now)
    except ValidationFailed as err:
        db.session.rollback()
        return _page(invitation_from_token(token), form, raw, err.fields, err.message, 422)
    except DomainError as err:
        db.session.rollback()
        opportunity = invitation_from_token(token).survey.opportunity
        return render_template("surveys/closed.html", message=err.message, opportunity=opportunity), err.status
    commit(db.session)
    return render_template(
        "surveys/thanks.html", opportunity=invitation.survey.opportunity, edited=not outcome.created, token=token
    )


def _spot_failed(response) -> bool:
    return response.status_code != 302


@bp.route("/s/<int:session_id>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], deduct_when=_spot_failed)
@access_rule("public")
def spot(session_id: int):
    """The QR code's short link: the person confirms with their e-mail, then answers like from the e-mail."""
    now = utcnow()
    try:
        survey_round = spot_round(session_id, now)
    except DomainError as err:
        db.session.rollback()
        return render_template("surveys/closed.html", message=err.message, opportunity=None), err.status
    form = SpotForm()
    if form.validate_on_submit():
        try:
            invitation = spot_invitation(session_id, form.email.data, now)
        except ValidationFailed as err:
            db.session.rollback()
            form.email.errors = list(err.fields.get("email", [])) + [err.message]
            return _spot_page(survey_round, form, 422)
        commit(db.session)
        return redirect(url_for("surveys.answer", token=invitation_token(invitation.id)))
    commit(db.session)  # the survey made on first use
    return _spot_page(survey_round, form, 422 if form.is_submitted() else 200)


def _spot_page(survey_round, form, status: int):
    return render_template(
        "surveys/spot.html", survey_round=survey_round, opportunity=survey_round.survey.opportunity, form=form
    ), status
