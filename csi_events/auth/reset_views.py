""" "Forgot password" pages: ask for a link by e-mail (the same answer whether or not the address has an account;
limited per client address and per typed address), then set a new password through the one-time link."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import commit
from ..errors import ValidationFailed
from ..extensions import db, limiter
from ..links import LinkInvalid
from ..people.models import normalize_email
from .access import access_rule
from .forms import ForgotPasswordForm, PasswordResetForm
from .reset import request_password_reset, reset_link_user, reset_password
from .views import bp

FORGOT_LIMIT_PER_CLIENT = "5 per minute;20 per hour"
FORGOT_LIMIT_PER_ADDRESS = "3 per hour"
RESET_LIMIT_PER_CLIENT = "10 per minute"


def _typed_address() -> str:
    """The limiter key of the address typed in the form (any address, known or not)."""
    return "forgot-address:" + normalize_email(str(request.form.get("email", "")))[:254]


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(FORGOT_LIMIT_PER_CLIENT, methods=["POST"])
@limiter.limit(FORGOT_LIMIT_PER_ADDRESS, key_func=_typed_address, methods=["POST"])
@access_rule("public")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        commit(db.session)
        return render_template("auth/forgot_sent.html")  # the same words whether or not the address is known
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


def _private(page: str, status: int = 200) -> Response:
    response = Response(page, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token is in this page's address
    return response


def _invalid(err: LinkInvalid) -> Response:
    page = render_template("auth/reset_invalid.html", expired=err.expired)
    return _private(page, 410 if err.expired else 404)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT_PER_CLIENT, methods=["POST"])
@access_rule("signed-link")
def password_reset(token: str):
    """Opening the link shows the form and uses nothing up (mail systems follow links); a new password that
    the rules accept uses it up, ends every session of the account and leads to the sign-in page."""
    try:
        reset_link_user(token)
    except LinkInvalid as err:
        return _invalid(err)
    form = PasswordResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            reset_password(token, form.new_password.data)
        except LinkInvalid as err:
            db.session.rollback()
            return _invalid(err)
        except ValidationFailed as err:
            db.session.rollback()
            form.new_password.errors = list(form.new_password.errors) + err.fields.get("new_password", [])
            status = 422
        else:
            commit(db.session)
            flash(_("Your new password is set, and every device signed in to the account is signed out."), "success")
            return redirect(url_for("auth.login"), code=303)
    elif request.method == "POST":
        status = 422
    return _private(render_template("auth/reset.html", form=form), status)
