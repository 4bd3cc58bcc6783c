"""Forms for people pages (shape of input only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, NumberRange


class MergeForm(FlaskForm):
    survivor_id = IntegerField(_l("Keep this person (id)"), validators=[DataRequired(), NumberRange(min=1)])
    merged_id = IntegerField(_l("Merge this person into them (id)"), validators=[DataRequired(), NumberRange(min=1)])
    confirm = HiddenField(default="1")
