"""E-mails about sign-in accounts, sent after the commit through the outbox: the notice that a run of wrong
passwords paused sign-in (auth/throttle.py) and the one-time "forgot password" link (auth/reset.py)."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from .. import outbox
from ..extensions import db
from ..localtime import to_local
from ..notifications import mailer
from ..notifications.messages import account_message
from .models import User
from .throttle import FREE_FAILURES

log = logging.getLogger(__name__)


def _active_user(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        log.info("mail: account %s is gone or disabled; nothing sent", user_id)
        return None
    return user


@outbox.handler("login_paused")
def login_paused(user_id: int, failures: int = FREE_FAILURES) -> None:
    user = _active_user(user_id)
    if user is None:
        return
    until = to_local(user.login_paused_until) if user.login_paused_until else None
    subject = _("Sign-in to your CSI Events account is paused after wrong passwords")
    context = {"failures": failures, "until": until.strftime("%H:%M") if until else ""}
    mailer.send(account_message(user.email, user.label, subject, "login_paused", context))


@outbox.handler("password_reset")
def password_reset(user_id: int, url: str) -> None:
    user = _active_user(user_id)
    if user is None:
        return
    subject = _("Set a new password for CSI Events")
    mailer.send(account_message(user.email, user.label, subject, "password_reset", {"url": url}))
