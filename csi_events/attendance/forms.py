"""Forms for attendance pages (shape of input only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from .services import REASON_MAX


class ZoomUploadForm(FlaskForm):
    report = FileField(
        _l("Zoom participant report (CSV)"),
        validators=[FileRequired(_l("Choose the CSV file exported from Zoom."))],
    )


class ZoomMatchForm(FlaskForm):
    """The per-row fields (match-N, person-N, first-N, last-N, email-N, minutes-N) are read from the request:
    their number depends on the report."""


class RevokeCertificateForm(FlaskForm):
    """Staff revoke one certificate; `back` names the page to return to (no URL is taken from the form)."""

    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[DataRequired(_l("Give the reason for revoking this certificate.")), Length(max=REASON_MAX)],
    )
    back = HiddenField(default="person", validators=[AnyOf(("person", "opportunity"))])
