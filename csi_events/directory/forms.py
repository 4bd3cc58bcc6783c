"""Forms of the directory pages: shape of input only (the rules live in services.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..labels import choices
from .models import CCSPP_STATUSES, LEA_KINDS
from .services import DEFAULT_COUNTY
from .subregions import SUBREGIONS


def subregion_choices() -> list[tuple[str, str]]:
    return [("", str(_l("None (countywide or not set)")))] + [
        (str(n), f"{n} · {label}") for n, label in SUBREGIONS.items()
    ]


class SubregionField(SelectField):
    """Any submitted value reaches the service, which refuses what is not 1..8 with a clear message."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validate_choice=False, coerce=_optional_str, **kwargs)


def _optional_str(value) -> str:
    return "" if value is None else str(value)


class _TranslatedChoices(FlaskForm):
    """Choices are built per request, so that their labels follow the request's language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if hasattr(self, "subregion"):
            self.subregion.choices = subregion_choices()
        if hasattr(self, "kind"):
            self.kind.choices = choices(LEA_KINDS)
        if hasattr(self, "ccspp_status"):
            self.ccspp_status.choices = choices(CCSPP_STATUSES)


class LeaForm(_TranslatedChoices):
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    subregion = SubregionField(_l("Subregion"))
    ccspp_status = SelectField(_l("CCSPP grant status"), validators=[DataRequired()])
    ccspp_cohort = StringField(
        _l("CCSPP cohort"), validators=[Optional(), Length(max=40)], filters=[lambda v: v.strip() if v else v]
    )
    aliases = StringField(_l("Other names"), render_kw={"maxlength": 500})


class SchoolForm(_TranslatedChoices):
    subregion = SubregionField(_l("Subregion"))
    ccspp_status = SelectField(_l("CCSPP grant status"), validators=[DataRequired()])
    is_closed = BooleanField(_l("Closed (kept for history, hidden from sign-up forms)"))


class ImportForm(FlaskForm):
    file = FileField(_l("CDE public schools file (pubschls.txt)"), validators=[FileRequired()])
    county = StringField(
        _l("County"),
        default=DEFAULT_COUNTY,
        validators=[DataRequired(), Length(max=60)],
        filters=[lambda v: v.strip() if v else v],
    )


class SubregionImportForm(FlaskForm):
    file = FileField(_l("CSV file of codes and subregions"), validators=[FileRequired()])


class BulkSubregionForm(_TranslatedChoices):
    """The directory lists' "set subregion": the ticked rows come as repeated `ids` fields."""

    subregion = SubregionField(_l("New subregion for the ticked rows"))
