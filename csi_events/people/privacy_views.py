"""Privacy pages: the public privacy notice; a person's data export (page and API) and erasure (staff)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from ..api.spec import route
from ..audit.services import record
from ..auth.access import access_rule, staff_required
from ..db import commit
from ..errors import NotFound
from ..extensions import db
from .models import Person
from .privacy import erase_person, export_person

bp = Blueprint("privacy", __name__)


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm this person asked to be erased, and that this cannot be undone."), validators=[DataRequired()]
    )


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    return person


@bp.get("/privacy")
@access_rule("public")
def notice():
    return render_template("privacy/notice.html")


@bp.get("/staff/people/<int:person_id>/privacy")
@staff_required
def person_privacy(person_id: int):
    person = _person_or_404(person_id)
    return render_template("privacy/person.html", person=person, form=EraseForm())


@bp.get("/staff/people/<int:person_id>/privacy/export.json")
@staff_required
def person_export(person_id: int):
    person = _person_or_404(person_id)
    data = export_person(person)
    record("person_exported", actor=current_user, target=person, format="json")
    commit(db.session)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="person-{person.id}.json"'},
    )


@bp.post("/staff/people/<int:person_id>/privacy/erase")
@staff_required
def person_erase(person_id: int):
    person = _person_or_404(person_id)
    form = EraseForm()
    if person.erased_at is not None:
        flash(_("This person's identity was already erased."), "info")
        return redirect(url_for("privacy.person_privacy", person_id=person.id))
    if not form.validate_on_submit():
        return render_template("privacy/person.html", person=person, form=form), 422
    erase_person(person, by=current_user._get_current_object())
    commit(db.session)
    flash(_("The person's identity is erased; their attendance stays, anonymous."), "success")
    return redirect(url_for("privacy.person_privacy", person_id=person.id))


@route(
    "/people/<int:person_id>/export",
    "GET",
    scope="read",
    summary="Everything held about a person (JSON).",
    tags=["privacy"],
)
def person_export_api(caller, person_id: int):
    person = _person_or_404(person_id)
    data = export_person(person)
    record("person_exported", actor=caller.user, target=person, format="json", via=caller.via)
    commit(db.session)
    return data
