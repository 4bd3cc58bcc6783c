"""Admin pages: accounts (create, role, disable/enable) and API tokens (create shown once, revoke)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..db import commit, utcnow
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..people.models import normalize_email
from .access import admin_required
from .forms import ConfirmForm, RoleForm, TokenCreateForm, UserCreateForm
from .models import ApiToken, User
from .services import (
    create_api_token,
    create_user,
    disable_totp,
    disable_user,
    enable_user,
    revoke_api_token,
    set_role,
)

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    return user


@bp.get("/users")
@admin_required
def users():
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.role, User.email)).all()
    return render_template("auth/admin_users.html", users=rows, confirm=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        generated = not form.password.data
        password = form.password.data or secrets.token_urlsafe(12)
        try:
            user = create_user(form.email.data, password, form.role.data, display_name=form.display_name.data or "")
        except DomainError as err:
            db.session.rollback()
            for name, messages in (err.fields or {}).items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(field.errors) + list(messages)
            if not err.fields:
                form.email.errors = list(form.email.errors) + [err.message]
            return render_template("auth/admin_user_new.html", form=form), err.status
        record("user_created", actor=current_user, target=user, role=user.role)
        commit(db.session)
        # The generated password is shown once, on this response only (never stored in clear, never logged).
        return render_template("auth/admin_user_created.html", user=user, password=password if generated else None)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/admin_user_new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm(obj=user)
    if form.validate_on_submit():
        try:
            set_role(user, form.role.data, by=current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("auth/admin_user.html", user=user, form=form, confirm=ConfirmForm()), err.status
        commit(db.session)
        flash(_("Role changed to %(role)s.", role=user.role), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/admin_user.html", user=user, form=form, confirm=ConfirmForm()), status


def _user_action(user_id: int, action, done_message: str):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("admin.user_detail", user_id=user.id))
        commit(db.session)
        flash(done_message, "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/disable")
@admin_required
def user_disable(user_id: int):
    return _user_action(
        user_id, lambda u: disable_user(u, by=current_user), _("The account is disabled and signed out everywhere.")
    )


@bp.post("/users/<int:user_id>/enable")
@admin_required
def user_enable(user_id: int):
    return _user_action(user_id, lambda u: enable_user(u, by=current_user), _("The account is enabled."))


@bp.post("/users/<int:user_id>/reset-two-factor")
@admin_required
def user_reset_two_factor(user_id: int):
    return _user_action(
        user_id, lambda u: disable_totp(u, "", by=current_user), _("Two-step sign-in is off for this account.")
    )


@bp.get("/tokens")
@admin_required
def tokens():
    rows = db.session.scalars(
        select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/admin_tokens.html", tokens=rows, now=utcnow(), confirm=ConfirmForm())


@bp.route("/tokens/new", methods=["GET", "POST"])
@admin_required
def token_new():
    form = TokenCreateForm()
    if form.validate_on_submit():
        owner = db.session.scalar(select(User).where(User.email == normalize_email(form.user_email.data)))
        if owner is None or not owner.active:
            form.user_email.errors = [_("No active account with this e-mail.")]
            return render_template("auth/admin_token_new.html", form=form), 422
        expires = utcnow() + timedelta(days=form.days.data) if form.days.data else None
        try:
            token = create_api_token(owner, form.scopes.data, name=form.name.data, expires_at=expires, by=current_user)
        except ValidationFailed as err:
            db.session.rollback()
            form.scopes.errors = [err.message]
            return render_template("auth/admin_token_new.html", form=form), 422
        commit(db.session)
        # Shown once: only the hash is stored.
        return render_template("auth/admin_token_created.html", token=token, owner=owner, expires=expires)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/admin_token_new.html", form=form), status


@bp.post("/tokens/<int:token_id>/revoke")
@admin_required
def token_revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_("No such token."))
    if ConfirmForm().validate_on_submit():
        revoke_api_token(row, by=current_user)
        commit(db.session)
        flash(_("Token %(name)s is revoked.", name=row.name or row.id), "success")
    return redirect(url_for("admin.tokens"))
