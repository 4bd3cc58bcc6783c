"""The kiosk: staff or a facilitator opens one for a session (its device link is shown once) or revokes it; the
tablet opens the link (no sign-in) and scans tickets. The link is the capability; the scans also carry the page's
CSRF token (as every form here), are rate-limited per link, and are answered with a first name at most."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import access_rule, signed_in_required
from ..db import commit
from ..extensions import db, limiter
from ..registrations.qr import qr_svg
from .access import managed_session
from .forms import ActionForm, RevokeKioskForm
from .kiosk import hash_token, kiosk_check_in, kiosk_for_token, kiosk_message, open_kiosk, revoke_kiosk
from .models import KioskLink
from .views import bp

DEFAULT_KIOSK_LIMIT = "60 per minute"


def kiosk_limit() -> str:
    return current_app.config.get("KIOSK_RATE_LIMIT", DEFAULT_KIOSK_LIMIT)


def kiosk_limit_key() -> str:
    """Per device link (several kiosks behind one address each get their own allowance)."""
    return "kiosk:" + hash_token((request.view_args or {}).get("token", ""))


def kiosk_url(token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("door.kiosk_page", token=token)


@bp.post("/staff/door/sessions/<int:session_id>/kiosks")
@signed_in_required
def kiosk_open(session_id: int):
    session = managed_session(session_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("door.session_page", session_id=session.id), code=303)
    _link, token = open_kiosk(session, current_user)
    commit(db.session)
    url = kiosk_url(token)
    return render_template(
        "door/kiosk_opened.html", session=session, opportunity=session.opportunity, url=url, qr=qr_svg(url)
    )


@bp.post("/staff/door/sessions/<int:session_id>/kiosks/revoke")
@signed_in_required
def kiosk_revoke(session_id: int):
    session = managed_session(session_id)
    form = RevokeKioskForm()
    if form.validate_on_submit():
        link = db.session.scalar(
            select(KioskLink).where(KioskLink.id == form.kiosk_id.data, KioskLink.session_id == session.id)
        )
        if link is not None:
            revoke_kiosk(link, current_user)
            commit(db.session)
            flash(_("The kiosk is closed: its link no longer works."), "success")
    return redirect(url_for("door.session_page", session_id=session.id) + "#kiosk", code=303)


def _client_messages() -> dict:
    return {
        "ready": _("Hold your ticket's QR code up to the camera"),
        "saved_offline": _("Thank you! Your check-in is saved and will be sent when the network is back."),
        "closed": _("This kiosk is closed. Please see the front desk."),
        "busy": _("One moment, please, then try again."),
        "error": _("Something went wrong. Please see the front desk."),
        "camera_start": _("Start the camera"),
        "camera_error": _("The camera could not be started: %(why)s"),
        "queued": _("Waiting to send: %(n)s"),
        "reload": _("Please reload this page."),
    }


@bp.get("/kiosk/<token>")
@access_rule("signed-link")
def kiosk_page(token: str):
    link = kiosk_for_token(token)
    if link is None:
        return render_template("door/kiosk_closed.html"), 404
    opens, closes = link.session.checkin_window
    response = current_app.make_response(
        render_template(
            "door/kiosk.html",
            link=link,
            title=link.session.opportunity.title,
            opens=opens,
            closes=closes,
            scan_url=url_for("door.kiosk_scan", token=token),
            messages=_client_messages(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _scan_time(value) -> datetime | None:
    """An offline scan's time (ISO 8601); None when absent or not a time. check_in trusts it back to
    checkin.services.MAX_OFFLINE_AGE only."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "America/Los_Angeles")))
    return moment.astimezone(UTC)


def _error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


@bp.post("/kiosk/<token>/checkins")
@limiter.limit(kiosk_limit, key_func=kiosk_limit_key)
@access_rule("signed-link")
def kiosk_scan(token: str):
    link = kiosk_for_token(token)
    if link is None:
        return _error(404, "kiosk_closed", _("This kiosk is closed. Please see the front desk."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("ticket"), str) or len(body["ticket"]) > 500:
        return _error(422, "invalid", kiosk_message("invalid", None))
    nonce = body.get("nonce")
    if nonce is not None and (not isinstance(nonce, str) or not 1 <= len(nonce) <= 64):
        return _error(422, "invalid", _("The scan's nonce must be 1 to 64 characters."))
    answer = kiosk_check_in(link, body["ticket"], nonce, _scan_time(body.get("scanned_at")))
    commit(db.session)
    return jsonify(answer.as_json())
