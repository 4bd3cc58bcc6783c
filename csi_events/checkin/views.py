"""Check-in pages: my sessions, the scanner page, its service worker and CSRF renewal, and the public
self check-in of virtual sessions (code form and "I'm here" link)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth.access import access_rule, signed_in_required
from ..db import commit, utcnow
from ..errors import Forbidden, NotFound
from ..extensions import db, limiter
from ..labels import choices
from ..links import LinkInvalid, read_token
from ..localtime import local_today, to_local
from ..opportunities.models import Session
from ..people.models import PERSON_ROLES
from . import services
from .forms import HereConfirmForm, HereForm, SelfCodeForm

bp = Blueprint("checkin", __name__)

# What the service worker keeps for offline use (besides the page and the roster).
OFFLINE_ASSETS = (
    "css/app.css",
    "css/checkin.css",
    "js/checkin.js",
    "js/checkin-page.js",
    "js/checkin-answer.js",
    "js/checkin-scans.js",
    "js/checkin-search.js",
    "js/checkin-walkin.js",
    "js/checkin-store.js",
    "js/checkin-camera.js",
    "js/site.js",
    "js/directory_typeahead.js",
    "vendor/jsQR.js",
)


def _session_for_current_user(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound(_("This session does not exist."))
    if not services.may_check_in(current_user, session):
        raise Forbidden(_("Only staff and the facilitators of this learning opportunity may check people in."))
    return session


@bp.get("/staff/checkin")
@signed_in_required
def my_sessions():
    """The "Today" page: the user's sessions of today, then the next ones, each one tap from its check-in."""
    sessions = services.sessions_for_user(current_user)
    now = utcnow()
    today = local_today()
    todays = [s for s in sessions if to_local(s.starts_at).date() <= today]
    return render_template(
        "checkin/sessions.html",
        todays=todays,
        later=[s for s in sessions if s not in todays][:20],
        today=now,
        open_ids={s.id for s in sessions if services.checkin_window_open(s, now)},
    )


@bp.get("/staff/checkin/sessions/<int:session_id>")
@signed_in_required
def session_page(session_id: int):
    session = _session_for_current_user(session_id)
    opens, closes = session.checkin_window
    return render_template(
        "checkin/session.html",
        session=session,
        opportunity=session.opportunity,
        window=(opens, closes),
        window_open=services.checkin_window_open(session, utcnow()),
        roles=choices(PERSON_ROLES),
        code_form=SelfCodeForm(),
        messages=_client_messages(),
    )


@bp.post("/staff/checkin/sessions/<int:session_id>/code")
@signed_in_required
def make_code(session_id: int):
    session = _session_for_current_user(session_id)
    if SelfCodeForm().validate_on_submit():
        services.ensure_self_checkin_code(session)
        commit(db.session)
        flash(_("Self check-in code: %(code)s", code=session.self_checkin_code), "success")
    return redirect(url_for("checkin.session_page", session_id=session.id) + "#self-checkin")


@bp.get("/staff/checkin/csrf")
@signed_in_required
def csrf_token():
    """A fresh CSRF token for a check-in page that has been open for hours (or served from its cache)."""
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@lru_cache(maxsize=4)
def _service_worker_source(static_folder: str) -> tuple[str, str]:
    root = Path(static_folder)
    digest = hashlib.sha256()
    for name in ("js/sw-checkin.js", *OFFLINE_ASSETS):
        path = root / name
        digest.update(name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return (root / "js" / "sw-checkin.js").read_text(encoding="utf-8"), digest.hexdigest()[:16]


@bp.get("/staff/checkin/sw.js")
@access_rule("public")
def service_worker():
    """The check-in page's service worker (scope /staff/checkin/): it keeps the page, its code and the
    roster for offline use. Public: it holds no data, only code."""
    source, version = _service_worker_source(current_app.static_folder)
    # Paths without the `?v=` version: the worker matches requests by path (any version of a file may be the one
    # cached when offline).
    assets = [url_for("static", filename=name).split("?", 1)[0] for name in OFFLINE_ASSETS]
    header = f"const CACHE_VERSION = {json.dumps(version)};\nconst OFFLINE_ASSETS = {json.dumps(assets)};\n"
    response = Response(header + source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/staff/checkin/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _client_messages() -> dict:
    """Words the page's script shows (translated here: the script holds no English)."""
    return {
        **services.page_words(),  # "status": the words of each answer, "tone": how each one looks and sounds
        "first_time": _("First checked in at %(time)s by %(who)s"),
        "self": _("the attendee"),
        "needs": _("Needs"),
        "offline": _("Offline — will sync"),
        "synced": _("Synced"),
        "online": _("Online"),
        "no_network": _("No network: scans are saved on this device and sent when the network is back."),
        "queued": _("Waiting to sync: %(n)s"),
        "offline_ready": _("Ready for offline use."),
        "undo": _("Undo"),
        "override": _("Admit anyway (override)"),
        "check_in": _("Check in"),
        "checked_in_at": _("checked in %(time)s"),
        "no_match": _("Nobody on the roster matches."),
        "undo_needs_network": _("Undo needs a network connection."),
        "signed_out": _("You are signed out: sign in again, then reload this page. Scans are kept."),
        "camera_start": _("Start camera"),
        "camera_stop": _("Stop camera"),
        "camera_error": _("The camera could not be started: %(why)s"),
        "walkin_done": _("Walk-in registered and checked in."),
        "status_label": {
            "confirmed": _("Confirmed"),
            "waitlisted": _("Waitlisted"),
            "cancelled": _("Cancelled"),
        },
    }


# --- public self check-in (virtual sessions) ---------------------------------------------------------


def _failed(response) -> bool:
    return response.status_code != 200


@bp.route("/here", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], deduct_when=_failed)
@access_rule("public")
def here():
    """Attendees of a virtual session check themselves in with their e-mail and the code shown."""
    form = HereForm()
    if form.validate_on_submit():
        result = services.self_check_in_with_code(form.email.data, form.code.data)
        if result is None:
            commit(db.session)
            form.code.errors = [_("This code and e-mail do not match a session open for check-in now.")]
            return render_template("checkin/here.html", form=form), 422
        commit(db.session)
        return render_template("checkin/here_done.html", result=result)
    status = 422 if form.is_submitted() else 200
    return render_template("checkin/here.html", form=form), status


@bp.route("/here/<token>", methods=["GET", "POST"])
@access_rule("signed-link")
def here_link(token: str):
    """The "I'm here" link of a reminder e-mail: a button (so that link scanners in mail systems do not
    check anyone in), valid only in the session's check-in window."""
    try:
        data = read_token("here", token)
        registration_id, session_id = int(data["r"]), int(data["s"])
    except (LinkInvalid, KeyError, TypeError, ValueError):
        return render_template("checkin/here_invalid.html"), 404
    session = db.session.get(Session, session_id)
    if session is None:
        return render_template("checkin/here_invalid.html"), 404
    window_open = services.checkin_window_open(session, utcnow())
    form = HereConfirmForm()
    if window_open and form.validate_on_submit():
        outcome = services.self_check_in_with_link(registration_id, session_id)
        if outcome is None:
            return render_template("checkin/here_invalid.html"), 404
        commit(db.session)
        return render_template("checkin/here_done.html", result=outcome[1])
    status = 200 if window_open else 409
    return render_template("checkin/here_link.html", form=form, session=session, window_open=window_open), status
