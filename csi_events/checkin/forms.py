"""Forms of the check-in pages (shape of input only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class HereForm(FlaskForm):
    email = EmailField(
        _l("Your e-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    code = StringField(
        _l("Check-in code"),
        validators=[DataRequired(), Length(min=4, max=12)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class HereConfirmForm(FlaskForm):
    """Only the CSRF token: the "I'm here" button."""


class SelfCodeForm(FlaskForm):
    """Only the CSRF token: the facilitator asks for the session's self check-in code."""
