"""After the session: its no-shows (page and CSV/XLSX export) and group messages to the people of a session or
of a whole opportunity (preview, then send once)."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..audit.services import record
from ..auth.access import signed_in_required
from ..db import commit, utcnow
from ..exports import csv_response, xlsx_response
from ..extensions import db, limiter
from ..labels import label
from ..opportunities.models import LearningOpportunity, Session
from .access import managed_opportunity, managed_session
from .forms import MessageForm, new_idempotency_key
from .messages import Audience, Draft, Text, recipients, send_group_message
from .noshows import no_shows
from .views import bp

DEFAULT_MESSAGE_LIMIT = "10 per minute;60 per day"
EXPORT_FORMATS = ("csv", "xlsx")


def message_limit() -> str:
    return current_app.config.get("GROUP_MESSAGE_RATE_LIMIT", DEFAULT_MESSAGE_LIMIT)


def _sent(response) -> bool:
    """Only a send counts against the limit (a preview does not)."""
    return response.status_code == 303


def message_limit_key() -> str:
    """Per signed-in user (staff share office addresses)."""
    return f"group-message:{getattr(current_user, 'id', request.remote_addr)}"


@bp.get("/staff/door/sessions/<int:session_id>/no-shows")
@signed_in_required
def no_shows_page(session_id: int):
    session = managed_session(session_id)
    return render_template(
        "door/no_shows.html",
        session=session,
        opportunity=session.opportunity,
        people=no_shows(session),
        ended=session.ends_at <= utcnow(),
    )


@bp.get("/staff/door/sessions/<int:session_id>/no-shows.<fmt>")
@signed_in_required
def no_shows_export(session_id: int, fmt: str):
    if fmt not in EXPORT_FORMATS:
        abort(404)
    session = managed_session(session_id)
    people = no_shows(session)
    record("no_shows_exported", actor=current_user, target=session, rows=len(people), format=fmt)
    commit(db.session)
    header = [_("Registration"), _("First name"), _("Last name"), _("E-mail"), _("Role"), _("LEA"), _("School")]
    rows = [[p.registration_id, p.first_name, p.last_name, p.email, label(p.role), p.lea, p.school] for p in people]
    name = f"no-shows-session-{session.id}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(name, header, rows, title=_("No-shows"))
    return csv_response(name, header, rows)


def _audience_choices() -> list[tuple[str, str]]:
    return [
        (Audience.CONFIRMED.value, _("Confirmed")),
        (Audience.WAITLISTED.value, _("Waitlisted")),
        (Audience.ATTENDED.value, _("Attended")),
        (Audience.NO_SHOWS.value, _("No-shows (confirmed, not checked in)")),
    ]


def _message_form() -> MessageForm:
    form = MessageForm()
    form.audience.choices = _audience_choices()
    if not form.idempotency_key.data:
        form.idempotency_key.data = new_idempotency_key()
    if not form.audience.data:
        wanted = request.args.get("audience")
        form.audience.data = wanted if wanted in set(Audience) else Audience.CONFIRMED.value
    return form


def _draft(form: MessageForm, opportunity: LearningOpportunity, session: Session | None) -> Draft | None:
    """The form as a draft, or None with the error on the form (a translation needs both its parts)."""
    translations = {}
    if form.subject_es.data or form.body_es.data:
        if not (form.subject_es.data and form.body_es.data):
            form.body_es.errors = [*form.body_es.errors, _("Give both the Spanish subject and message, or neither.")]
            return None
        translations["es"] = Text(form.subject_es.data, form.body_es.data)
    text = Text(form.subject.data, form.body.data)
    return Draft(opportunity, session, Audience(form.audience.data), text, translations)


def _message_page(opportunity, session, form, draft=None, status=200):
    people = recipients(draft) if draft else []
    action = (
        url_for("door.session_message", session_id=session.id)
        if session
        else url_for("door.opportunity_message", opportunity_id=opportunity.id)
    )
    page = render_template(
        "door/message.html",
        opportunity=opportunity,
        session=session,
        form=form,
        draft=draft,
        people=people,
        spanish=sum(1 for p in people if p.language == "es"),
        action=action,
    )
    return Response(page, status=status)


def _message(opportunity: LearningOpportunity, session: Session | None):
    form = _message_form()
    if request.method == "GET":
        return _message_page(opportunity, session, form)
    if not form.validate_on_submit():
        return _message_page(opportunity, session, form, status=422)
    draft = _draft(form, opportunity, session)
    if draft is None:
        return _message_page(opportunity, session, form, status=422)
    if request.form.get("action") != "send":
        return _message_page(opportunity, session, form, draft=draft)
    outcome = send_group_message(draft, form.idempotency_key.data, current_user)
    commit(db.session)
    if outcome.created:
        n = outcome.message.recipient_count
        flash(
            ngettext("The message is on its way to %(num)d person.", "The message is on its way to %(num)d people.", n),
            "success",
        )
    else:
        flash(_("This message was sent already; it was not sent again."), "info")
    if session is not None:
        return redirect(url_for("door.session_page", session_id=session.id), code=303)
    return redirect(url_for("door.opportunity_page", opportunity_id=opportunity.id), code=303)


@bp.route("/staff/door/sessions/<int:session_id>/message", methods=["GET", "POST"])
@signed_in_required
@limiter.limit(message_limit, key_func=message_limit_key, methods=["POST"], deduct_when=_sent)
def session_message(session_id: int):
    session = managed_session(session_id)
    return _message(session.opportunity, session)


@bp.route("/staff/door/opportunities/<int:opportunity_id>/message", methods=["GET", "POST"])
@signed_in_required
@limiter.limit(message_limit, key_func=message_limit_key, methods=["POST"], deduct_when=_sent)
def opportunity_message(opportunity_id: int):
    return _message(managed_opportunity(opportunity_id), None)
