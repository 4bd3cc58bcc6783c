"""Forms of the survey pages: shape of input only (the rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange

from .models import DEFAULT_CLOSE_DAYS


class ActionForm(FlaskForm):
    """A button that changes something: the CSRF token only (answers are read by the service from the form)."""


class SpotForm(FlaskForm):
    email = EmailField(
        _l("Your e-mail"), validators=[InputRequired(_l("Enter the e-mail you registered with.")), Length(max=254)]
    )


def timing_choices():
    return [("each_session", _l("After each session")), ("series_end", _l("Once, after the last session"))]


class SettingsForm(FlaskForm):
    timing = RadioField(_l("When it is sent"), choices=timing_choices(), default="each_session")
    close_after_days = IntegerField(
        _l("Days it stays open after the session"),
        default=DEFAULT_CLOSE_DAYS,
        validators=[InputRequired(_l("Enter a number of days.")), NumberRange(1, 90, _l("Choose from 1 to 90 days."))],
    )
    anonymous = BooleanField(_l("Anonymous: answers are stored without any link to the person"))


class AddQuestionForm(FlaskForm):
    question = SelectField(_l("Question from the bank"), coerce=int, validate_choice=False)


class RemoveQuestionForm(FlaskForm):
    key = HiddenField()


def kind_choices():
    return [
        ("scale", _l("Agreement scale (1 to 5)")),
        ("single", _l("Single choice")),
        ("multiple", _l("Multiple choice")),
        ("short_text", _l("Short text")),
        ("long_text", _l("Long text")),
    ]


class BankQuestionForm(FlaskForm):
    question_id = HiddenField()
    key = StringField(_l("Key"), validators=[InputRequired(_l("Enter a key.")), Length(max=40)])
    kind = SelectField(_l("Kind"), choices=kind_choices(), default="scale")
    text_en = StringField(
        _l("Question in English"), validators=[InputRequired(_l("Write the question.")), Length(max=300)]
    )
    text_es = StringField(
        _l("Question in Spanish"), validators=[InputRequired(_l("Write the question.")), Length(max=300)]
    )
    choices = TextAreaField(_l("Choices, one per line: value | English | Spanish"), validators=[Length(max=4000)])
    required = BooleanField(_l("Required"))
    standard = BooleanField(_l("Standard: in every new survey"))
