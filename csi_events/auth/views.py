"""Sign in (password, then a TOTP code when enrolled) and out; a signed-in user's own account."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, has_request_context, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..audit.services import record
from ..db import commit
from ..errors import ValidationFailed
from ..extensions import db, limiter, login_manager
from ..registrations.qr import qr_svg
from . import mail  # noqa: F401  (registers the account e-mails' outbox handlers)
from .access import access_rule, signed_in_required
from .forms import EmailChangeForm, LoginForm, PasswordChangeForm, TotpDisableForm, TotpForm
from .models import User
from .services import (
    change_email,
    change_password,
    disable_totp,
    enable_totp,
    end_all_sessions,
    load_user_from_cookie_id,
    mark_signed_in,
    new_totp_secret,
    totp_uri,
    verify_totp,
)
from .throttle import check_sign_in, is_paused, note_failure, note_success

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = None

PENDING_KEY = "login_pending"  # password checked, second factor awaited
PENDING_SECONDS = 300
ENROL_KEY = "totp_enrol_secret"
SIGNED_OUT_KEY = "signed_out"


@login_manager.user_loader
def load_user(value: str):
    return load_user_from_cookie_id(value)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks, no control
    characters (a CR/LF would break the Location header)."""
    if not target:
        return None
    target = target.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _landing(user: User) -> str:
    """Staff land on their opportunities; a facilitator on "Today" (their sessions, one tap from check-in)."""
    return url_for("opportunities.staff_list") if user.is_staff else url_for("checkin.my_sessions")


def _finish_login(user: User, remember: bool, next_url: str | None, **details):
    response = redirect(safe_next(next_url) or _landing(user))  # before signing in: a bad target fails first
    session.pop(PENDING_KEY, None)
    login_user(user, remember=remember)
    mark_signed_in(user)
    note_success(user)
    record("login", actor=user, target=user, **details)
    commit(db.session)
    return response


def _wrong_answer(paused: bool) -> str:
    """One answer for a wrong password and for any password while the account is paused (auth/throttle.py),
    which adds "try again later"."""
    wrong = _("That e-mail and password do not match an active account.")
    return f"{wrong} {_paused_note()}" if paused else wrong


def _paused_note() -> str:
    return _("Too many wrong tries for this account: try again later.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@access_rule("public")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        check = check_sign_in(form.email.data, form.password.data)
        user = check.user
        if user is None:
            reason = "paused" if check.paused else "password"
            record("login_failed", email=form.email.data.strip().lower()[:254], reason=reason)
            commit(db.session)
            flash(_wrong_answer(check.paused), "error")
            return render_template("auth/login.html", form=form), 401
        next_url = safe_next(request.args.get("next"))
        if user.totp_secret:
            session[PENDING_KEY] = {
                "uid": user.id,
                "tok": user.session_token,
                "at": int(time.time()),
                "remember": bool(form.remember.data),
                "next": next_url,
            }
            commit(db.session)  # a rehashed password is kept
            return redirect(url_for("auth.login_code"))
        return _finish_login(user, bool(form.remember.data), next_url)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_token != pending.get("tok") or not user.totp_secret:
        return None, {}
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@access_rule("public")
def login_code():
    """Second step: the TOTP code of a user whose password was right a moment ago."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        paused = is_paused(user)
        if not paused and verify_totp(user, form.code.data):
            return _finish_login(user, pending.get("remember", False), pending.get("next"), second_factor="totp")
        paused = paused or bool(note_failure(user))  # a wrong code counts like a wrong password
        record("login_failed", actor=None, target=user, reason="paused" if paused else "totp")
        commit(db.session)
        message = _("That code does not match; try the current one.")
        if paused:
            message = f"{message} {_paused_note()}"
        form.code.errors.append(message)
        return render_template("auth/login_code.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login_code.html", form=form), status


@bp.route("/logout", methods=["POST"])
@access_rule("public")
def logout():
    if current_user.is_authenticated:
        end_all_sessions(current_user)
        record("logout", actor=current_user, target=current_user)
        commit(db.session)
    logout_user()
    session.clear()
    session[SIGNED_OUT_KEY] = True  # the next page drops the check-in pages' offline data (signed-out.js)
    flash(_("You are signed out."), "info")
    response = redirect(url_for("opportunities.catalog"))
    # The browser drops this site's caches and storage: the check-in service worker's rosters among them.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.app_context_processor
def signed_out_now() -> dict:
    """True on the first page rendered after signing out (base.html then loads signed-out.js)."""
    if not has_request_context() or SIGNED_OUT_KEY not in session:  # e-mails render outside requests
        return {"signed_out_now": False}
    return {"signed_out_now": bool(session.pop(SIGNED_OUT_KEY, False))}


# --- The signed-in user's own account ------------------------------------------------------------------------


@bp.get("/account")
@signed_in_required
def account():
    return render_template("auth/account.html")


def _field_errors(form, err: ValidationFailed) -> None:
    for name, messages in (err.fields or {}).items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = list(target.errors) + list(messages)
    if not err.fields:
        flash(err.message, "error")


def _account_change(form, template: str, apply, done_message: str):
    """A change that asks for the current password (password, e-mail): every other browser is signed out,
    this one continues with the new session token."""
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            apply(user, form)
        except ValidationFailed as err:
            db.session.rollback()
            _field_errors(form, err)
            return render_template(template, form=form), 422
        commit(db.session)
        login_user(user)
        flash(done_message, "success")
        return redirect(url_for("auth.account"))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in_required
@limiter.limit("10 per minute", methods=["POST"])
def change_password_page():
    return _account_change(
        PasswordChangeForm(),
        "auth/password.html",
        lambda user, form: change_password(user, form.current_password.data, form.new_password.data),
        _("Your password is changed. Other devices have been signed out."),
    )


@bp.route("/account/email", methods=["GET", "POST"])
@signed_in_required
@limiter.limit("10 per minute", methods=["POST"])
def change_email_page():
    return _account_change(
        EmailChangeForm(),
        "auth/email.html",
        lambda user, form: change_email(user, form.current_password.data, form.email.data),
        _("Your sign-in e-mail is changed. Other devices have been signed out."),
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in_required
@limiter.limit("10 per minute", methods=["POST"])
def two_factor():
    """Enrol a TOTP authenticator: show the secret, its otpauth URI and QR, then confirm one code."""
    user = current_user._get_current_object()
    if user.totp_secret:
        return render_template("auth/two_factor.html", enabled=True, disable_form=TotpDisableForm())
    secret = session.get(ENROL_KEY) or new_totp_secret()
    session[ENROL_KEY] = secret
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        try:
            enable_totp(user, secret, form.code.data)
        except ValidationFailed as err:
            _field_errors(form, err)
            status = 422
        else:
            session.pop(ENROL_KEY, None)
            commit(db.session)
            flash(_("Two-step sign-in is on: you will be asked for a code each time you sign in."), "success")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 422
    uri = totp_uri(user, secret)
    return render_template(
        "auth/two_factor.html", enabled=False, form=form, secret=secret, uri=uri, qr=qr_svg(uri)
    ), status


@bp.post("/account/two-factor/disable")
@signed_in_required
@limiter.limit("10 per minute")
def two_factor_disable():
    form = TotpDisableForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit() or not user.totp_secret:
        return redirect(url_for("auth.two_factor"))
    try:
        disable_totp(user, form.current_password.data)
    except ValidationFailed:
        db.session.rollback()
        flash(_("Your current password is not right."), "error")
        return redirect(url_for("auth.two_factor"))
    commit(db.session)
    login_user(user)
    flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("auth.account"))
