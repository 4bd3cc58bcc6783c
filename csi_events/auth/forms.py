from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from .models import TOKEN_SCOPES, USER_ROLES
from .passwords import MAX_LENGTH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


ROLE_CHOICES = [(r, r) for r in USER_ROLES]


# WCAG 1.3.5 (identify input purpose): the account's address is its user name, for browsers and password managers.
SIGN_IN_ADDRESS = {"autocomplete": "username"}


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[_strip],
        render_kw=SIGN_IN_ADDRESS,
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[_strip],
        render_kw=SIGN_IN_ADDRESS,
    )


class PasswordResetForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the 6 digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordChangeForm(PasswordResetForm):
    """The reset form's new password twice, behind the current one."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New e-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_strip])
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class TotpDisableForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class UserCreateForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_strip])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)], filters=[_strip])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        description=_l("Leave empty to generate one; it is shown once."),
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A POST button with its CSRF token (disable, enable, revoke)."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenCreateForm(FlaskForm):
    user_email = EmailField(
        _l("Account that owns the token"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_strip]
    )
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=100)], filters=[_strip])
    scopes = MultiCheckboxField(_l("Scopes"), choices=[(s, s) for s in TOKEN_SCOPES], validators=[DataRequired()])
    days = IntegerField(_l("Expires after (days)"), validators=[Optional(), NumberRange(min=1, max=730)], default=90)
