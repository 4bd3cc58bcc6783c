"""Registration forms: the public sign-up, the staff "add a person" form, and "send me my link"."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..labels import choices
from ..people.addresses import undeliverable_reason
from ..people.models import PERSON_ROLES

NAME_MAX = 100
EMAIL_MAX = 254
ORGANIZATION_MAX = 200
NEEDS_MAX = 2000
DIRECTORY_MAX = 250


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def deliverable(_form, field) -> None:
    """An address our mail can reach (people/addresses.py); the service checks it again for the API."""
    reason = undeliverable_reason(field.data or "")
    if reason:
        raise ValidationError(reason)


class RegistrationForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        filters=[_strip],
        render_kw={"autocomplete": "given-name", "maxlength": NAME_MAX},
    )
    last_name = StringField(
        _l("Last name"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        filters=[_strip],
        render_kw={"autocomplete": "family-name", "maxlength": NAME_MAX},
    )
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email(), deliverable],
        filters=[_strip],
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": EMAIL_MAX, "spellcheck": "false"},
    )
    role = SelectField(_l("Your role"), validators=[DataRequired()])
    lea = StringField(
        _l("School district or LEA"),
        validators=[Optional(), Length(max=DIRECTORY_MAX)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "maxlength": DIRECTORY_MAX, "data-typeahead": "lea"},
    )
    school = StringField(
        _l("School"),
        validators=[Optional(), Length(max=DIRECTORY_MAX)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "maxlength": DIRECTORY_MAX, "data-typeahead": "school"},
    )
    not_listed = BooleanField(_l("My school or organization is not listed"))
    organization = StringField(
        _l("Organization name"),
        validators=[Optional(), Length(max=ORGANIZATION_MAX)],
        filters=[_strip],
        render_kw={"autocomplete": "organization", "maxlength": ORGANIZATION_MAX},
    )
    needs = TextAreaField(
        _l("Accessibility or interpretation needs"),
        validators=[Optional(), Length(max=NEEDS_MAX)],
        filters=[_strip],
        render_kw={"rows": 3, "maxlength": NEEDS_MAX},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _("Choose your role"))] + choices(PERSON_ROLES)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.not_listed.data:
            if not self.organization.data:
                self.organization.errors = [*self.organization.errors, _("Tell us the name of your organization.")]
                ok = False
        elif not self.lea.data and not self.school.data and not self.lea.errors and not self.school.errors:
            self.lea.errors = [
                *self.lea.errors,
                _("Choose your school district or LEA, or tick “not listed” and give your organization."),
            ]
            ok = False
        return ok


class ManageLinkForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email(), deliverable],
        filters=[_strip],
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": EMAIL_MAX, "spellcheck": "false"},
    )


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token (cancel, confirm)."""
