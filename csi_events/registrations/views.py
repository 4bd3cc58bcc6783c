"""The registrations blueprint `bp` and what its pages share: rate limits, the form body limit, and turning
the registration form into a RegistrationInput (with the service's field errors put back on the form).
The pages are in public_views.py (sign-up, ticket, a person's own list) and staff_views.py (the roster)."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_babel import get_locale

from ..errors import ValidationFailed
from .forms import RegistrationForm
from .people_lookup import lookup_lea, lookup_school
from .services import RegistrationInput

bp = Blueprint("registrations", __name__)

# Per client (remote address), shared by the sign-up form and the public API. Schools often share one
# address behind NAT, so the per-minute figure leaves room for a room full of colleagues.
DEFAULT_REGISTRATION_LIMIT = "20 per minute;200 per hour"
DEFAULT_MANAGE_LINK_LIMIT = "5 per minute;30 per hour"

# A filled-in form is a few kilobytes (needs: 2,000 characters); anything far larger is refused with 413
# before it is parsed.
FORM_BODY_LIMIT = 64 * 1024

# Field names of the service's errors -> fields of the form.
FORM_FIELDS = {"lea_cd_code": "lea", "school_cds_code": "school"}


def registration_limit() -> str:
    return current_app.config.get("REGISTRATION_RATE_LIMIT", DEFAULT_REGISTRATION_LIMIT)


def manage_link_limit() -> str:
    return current_app.config.get("MANAGE_LINK_RATE_LIMIT", DEFAULT_MANAGE_LINK_LIMIT)


def _language() -> str:
    locale = str(get_locale() or "en")
    return locale if locale in current_app.config.get("LANGUAGES", ["en"]) else "en"


def input_from_form(form: RegistrationForm) -> RegistrationInput:
    """Resolve the directory choices typed or picked in the form; raises ValidationFailed per field."""
    lea = lookup_lea(form.lea.data)
    school = lookup_school(form.school.data, lea)
    return RegistrationInput(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        role=form.role.data,
        lea_cd_code=lea.cd_code if lea else None,
        school_cds_code=school.cds_code if school else None,
        organization=form.organization.data if form.not_listed.data else None,
        needs=form.needs.data,
        preferred_language=_language(),
    )


def apply_field_errors(form, err: ValidationFailed) -> None:
    placed = False
    for name, messages in err.fields.items():
        field = getattr(form, FORM_FIELDS.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, *messages]
            placed = True
    if not placed:
        form.form_errors.append(err.message)
