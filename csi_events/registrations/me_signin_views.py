"""The one-time sign-in link that "send me my link" (/me) e-mails: it opens a person's list of registrations
once, within 30 minutes (links.PURPOSES["signin"]); the reusable 7-day manage link stays only in confirmation
e-mails. Opening the link shows a button (so that mail systems that follow links do not use it up); pressing
it uses the link and keeps the person in this browser's session for ME_SESSION_SECONDS
(docs/security.md, "Tokens and links")."""

from __future__ import annotations

import time

from flask import Response, redirect, render_template, session, url_for

from ..auth.access import access_rule
from ..auth.onetime import LINK_ID_KEY, consume_once_token, link_was_used
from ..db import commit
from ..extensions import db
from ..links import LinkInvalid, read_token
from ..people.models import Person
from ..security import rotate_csrf_token
from .forms import ActionForm, ManageLinkForm
from .public_views import render_registrations
from .views import bp

ME_SESSION_KEY = "me"
ME_SESSION_SECONDS = 60 * 60


def _invalid(reason: str) -> Response:
    """reason: "expired" (410), "used" or "broken" (404); the page says how long and how often such a link works."""
    page = render_template("registrations/link_invalid.html", reason=reason, link="signin", form=ManageLinkForm())
    return _private(Response(page, status=410 if reason == "expired" else 404))


def _reason(err: LinkInvalid) -> str:
    return "expired" if err.expired else "broken"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _person(person_id) -> Person | None:
    """The person a link names (the survivor of a merge); None when gone or erased."""
    person = db.session.get(Person, person_id) if isinstance(person_id, int) else None
    if person is not None and person.merged_into_id is not None:
        person = db.session.get(Person, person.merged_into_id)
    return None if person is None or person.erased_at is not None else person


@bp.route("/me/signin/<token>", methods=["GET", "POST"])
@access_rule("signed-link")
def me_signin(token: str):
    try:
        data = read_token("signin", token)
    except LinkInvalid as err:
        return _invalid(_reason(err))
    if not isinstance(data, dict):
        return _invalid("broken")
    if link_was_used("signin", str(data.get(LINK_ID_KEY))):
        return _invalid("used")
    form = ActionForm()
    if not form.validate_on_submit():
        return _private(Response(render_template("registrations/manage_signin.html", form=form)))
    try:
        person = _person(consume_once_token("signin", token).get("p"))
    except LinkInvalid as err:
        db.session.rollback()
        return _invalid("used" if link_was_used("signin", str(data.get(LINK_ID_KEY))) else _reason(err))
    commit(db.session)  # the link is used up, whatever follows
    if person is None:
        return _invalid("broken")
    rotate_csrf_token()  # a token read before this sign-in does not validate after it
    session[ME_SESSION_KEY] = {"p": person.id, "until": int(time.time()) + ME_SESSION_SECONDS}
    return redirect(url_for("registrations.me_list"), code=303)


@bp.get("/me/list")
@access_rule("public")  # shows a list only to the browser that used a sign-in link (session)
def me_list():
    held = session.get(ME_SESSION_KEY)
    person = None
    if isinstance(held, dict) and int(held.get("until", 0)) > time.time():
        person = _person(held.get("p"))
    if person is None:
        session.pop(ME_SESSION_KEY, None)
        return redirect(url_for("registrations.manage_request"))
    return render_registrations(person)
