"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..audit.services import record
from ..db import commit
from ..extensions import db, limiter, login_manager
from .forms import LoginForm
from .services import authenticate, end_all_sessions, load_user_from_cookie_id

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(value: str):
    return load_user_from_cookie_id(value)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            record("login_failed", email=form.email.data.strip().lower()[:254])
            commit(db.session)
            flash(_("That e-mail and password do not match an active account."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        record("login", actor=user, target=user)
        commit(db.session)
        default = url_for("opportunities.staff_list") if user.is_staff else url_for("opportunities.catalog")
        return redirect(safe_next(request.args.get("next")) or default)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_all_sessions(current_user)
        record("logout", actor=current_user, target=current_user)
        commit(db.session)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("opportunities.catalog"))
