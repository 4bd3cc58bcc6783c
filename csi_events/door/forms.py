"""Forms of the door pages (shape of input only; the rules are in the services)."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

WALK_IN_ROWS = 6
SUBJECT_MAX = 200
BODY_MAX = 10000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """Only the CSRF token: open a kiosk, mark selected as present."""


class RevokeKioskForm(FlaskForm):
    kiosk_id = IntegerField(validators=[DataRequired()])


class WalkInRow(FlaskForm):
    """One walk-in row of a paper sheet; a row left blank is skipped."""

    class Meta:
        csrf = False  # the outer form carries the token

    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)], filters=[_strip])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)], filters=[_strip])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)], filters=[_strip])
    lea = StringField(
        _l("LEA"),
        validators=[Optional(), Length(max=200)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "data-typeahead": "lea"},
    )
    school = StringField(
        _l("School"),
        validators=[Optional(), Length(max=200)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "data-typeahead": "school"},
    )
    role = SelectField(_l("Role"), validators=[Optional()])

    def is_blank(self) -> bool:
        return not any((self.first_name.data, self.last_name.data, self.email.data, self.lea.data, self.school.data))


class WalkInSheetForm(FlaskForm):
    rows = FieldList(FormField(WalkInRow), min_entries=WALK_IN_ROWS, max_entries=40)


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class MessageForm(FlaskForm):
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    audience = RadioField(_l("Who receives it"), validators=[DataRequired()])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=SUBJECT_MAX)], filters=[_strip])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)], filters=[_strip])
    subject_es = StringField(
        _l("Subject in Spanish (optional)"), validators=[Optional(), Length(max=SUBJECT_MAX)], filters=[_strip]
    )
    body_es = TextAreaField(
        _l("Message in Spanish (optional)"), validators=[Optional(), Length(max=BODY_MAX)], filters=[_strip]
    )
