"""Forms for support activities: shape of input only (the rules live in services.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..labels import lazy_choices
from ..opportunities.models import PILLARS
from .models import SUPPORT_KINDS, SUPPORT_MODALITIES


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SupportActivityForm(FlaskForm):
    occurred_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date of the activity."))])
    lea = SelectField(_l("LEA"), coerce=_int_or_none, validate_choice=False)
    load_lea = SubmitField(_l("Show this LEA's schools and contacts"))
    schools = MultiCheckboxField(_l("Schools (optional)"), coerce=int, validate_choice=False)
    kind = SelectField(_l("Kind"), choices=lazy_choices(SUPPORT_KINDS), default="consultation_visit")
    modality = RadioField(_l("Modality"), choices=lazy_choices(SUPPORT_MODALITIES), default="on_site")
    duration = StringField(_l("Duration"), default="60", validators=[Length(max=10)])
    duration_unit = RadioField(
        _l("Unit"), choices=[("minutes", _l("minutes")), ("hours", _l("hours"))], default="minutes"
    )
    staff = MultiCheckboxField(_l("Staff involved"), coerce=int, validate_choice=False)
    contacts = MultiCheckboxField(_l("Contacts from the LEA (optional)"), coerce=int, validate_choice=False)
    topics = MultiCheckboxField(_l("Topics"), choices=lazy_choices(PILLARS), validate_choice=True)
    tags = StringField(_l("Other tags (optional)"), validators=[Length(max=300)])
    notes = TextAreaField(_l("Notes (optional)"), validators=[Length(max=5000)])
    save = SubmitField(_l("Save"))


class SupportFilterForm(FlaskForm):
    """The list's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("To"), name="to", validators=[Optional()])
    subregion = SelectField(_l("Subregion"), coerce=_int_or_none, validators=[Optional()])
    lea = SelectField(_l("LEA"), coerce=_int_or_none, validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    modality = SelectField(_l("Modality"), validators=[Optional()])
    staff = SelectField(_l("Staff"), coerce=_int_or_none, validators=[Optional()])


class SupportImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
