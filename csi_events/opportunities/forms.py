"""Forms for opportunities: shape of input only (the rules are in services.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..directory.subregions import SUBREGIONS
from ..labels import lazy_choices, topic_label
from .models import MODALITIES, OPPORTUNITY_KINDS, PILLARS
from .repeat import MAX_OCCURRENCES

EMPTY_SESSION_ROWS = 3  # offered on a new form, so that adding sessions works without JavaScript
MAX_SESSION_ROWS = 100


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CheckboxListField(SelectMultipleField):
    """Several checkboxes, each with its own label, in a list (keyboard and screen-reader friendly)."""

    widget = ListWidget(prefix_label=False, html_tag="ul")
    option_widget = CheckboxInput()


def subregion_choices(empty_label) -> list[tuple[str, str]]:
    return [("", str(empty_label))] + [(str(n), f"{n} · {name}") for n, name in SUBREGIONS.items()]


class SessionForm(Form):
    """One session row. All fields blank = an unused row (skipped)."""

    id = HiddenField()
    day = DateField(_l("Date"), validators=[Optional()], render_kw={"autocomplete": "off"})
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    venue = StringField(_l("Venue"), filters=[_strip], description=_l("Place and address; empty for virtual sessions."))
    virtual_url = StringField(_l("Meeting link"), filters=[_strip], description=_l("https://… (optional)"))
    remove = BooleanField(_l("Remove this session"))

    def is_blank(self) -> bool:
        return not (
            self.id.data
            or self.day.raw_data
            and self.day.raw_data[0]
            or self.start_time.raw_data
            and self.start_time.raw_data[0]
            or self.end_time.raw_data
            and self.end_time.raw_data[0]
            or self.venue.data
            or self.virtual_url.data
        )


class OpportunityForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], render_kw={"maxlength": 200, "required": True})
    summary = TextAreaField(
        _l("Summary"),
        filters=[_strip],
        description=_l("One or two sentences shown in the catalog."),
        render_kw={"rows": 2},
    )
    description = TextAreaField(_l("Description"), render_kw={"rows": 8})
    kind = SelectField(_l("Kind"), choices=lazy_choices(OPPORTUNITY_KINDS))
    modality = SelectField(_l("Modality"), choices=lazy_choices(MODALITIES))
    subregion = SelectField(_l("Subregion"), choices=[], validate_choice=False)
    audience = StringField(_l("Audience"), filters=[_strip], description=_l("For example: teachers and coordinators"))
    topics = CheckboxListField(_l("Community-schools pillars"), choices=lazy_choices(PILLARS), validate_choice=False)
    tags = StringField(_l("Other tags"), filters=[_strip], description=_l("Separate tags with commas."))
    capacity = StringField(
        _l("Capacity"),
        filters=[_strip],
        description=_l("Seats; leave empty for unlimited."),
        render_kw={"inputmode": "numeric"},
    )
    pd_hours = StringField(
        _l("PD hours"), filters=[_strip], description=_l("For example 2.5"), render_kw={"inputmode": "decimal"}
    )
    registration_opens_day = DateField(_l("Registration opens (date)"), validators=[Optional()])
    registration_opens_time = TimeField(_l("Registration opens (time)"), validators=[Optional()])
    registration_closes_day = DateField(_l("Registration closes (date)"), validators=[Optional()])
    registration_closes_time = TimeField(_l("Registration closes (time)"), validators=[Optional()])
    facilitators = CheckboxListField(_l("Facilitators"), coerce=int, choices=[], validate_choice=False)
    sessions = FieldList(FormField(SessionForm), min_entries=1, max_entries=MAX_SESSION_ROWS)
    # The repeat rule (series_fill.py): not stored, it only fills the session rows above.
    repeat_frequency = SelectField(
        _l("Repeat"),
        choices=[
            ("", _l("Choose how often")),
            ("weekly", _l("Every week")),
            ("biweekly", _l("Every two weeks")),
            ("monthly", _l("Every month on the same weekday (for example the 2nd Tuesday)")),
        ],
        validate_choice=False,
    )
    repeat_count = StringField(
        _l("Number of sessions"),
        filters=[_strip],
        description=_l("From 1 to %(n)d, the first session included.", n=MAX_OCCURRENCES),
        render_kw={"inputmode": "numeric"},
    )
    repeat_until = DateField(
        _l("Or until (date)"), validators=[Optional()], description=_l("The last possible date, included.")
    )

    def __init__(self, *args, facilitator_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subregion.choices = subregion_choices(_l("Countywide"))
        self.facilitators.choices = list(facilitator_choices)

    def pad_sessions(self, empty_rows: int = EMPTY_SESSION_ROWS) -> None:
        """Offer a few empty session rows (the no-JavaScript way to add sessions)."""
        blanks = sum(1 for entry in self.sessions if entry.form.is_blank())
        for _ in range(max(empty_rows - blanks, 0)):
            if len(self.sessions) >= MAX_SESSION_ROWS:
                break
            self.sessions.append_entry()


class StatusForm(FlaskForm):
    """Only the CSRF token: publish, cancel and archive are buttons."""


class CatalogFilterForm(Form):
    """The catalog's GET filters (no CSRF: reading only)."""

    q = StringField(_l("Search"), filters=[_strip])
    subregion = SelectField(_l("Subregion"), choices=[], default="")
    modality = SelectField(_l("Modality"), choices=[("", _l("Any"))] + lazy_choices(MODALITIES), default="")
    kind = SelectField(_l("Kind"), choices=[("", _l("Any"))] + lazy_choices(OPPORTUNITY_KINDS), default="")
    topic = SelectField(_l("Topic"), choices=[], default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    past = BooleanField(_l("Show past opportunities"))

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subregion.choices = (
            [("", str(_l("Any")))] + [("countywide", str(_l("Countywide")))] + subregion_choices("")[1:]
        )
        # The four pillars by name, then the free tags in use, each with a readable label (never its slug).
        pillars = [(code, topic_label(code)) for code in PILLARS]
        free_tags = sorted(((t, topic_label(t)) for t in tags if t not in PILLARS), key=lambda c: c[1].lower())
        self.topic.choices = [("", str(_l("Any")))] + pillars + free_tags
        if self.topic.data and self.topic.data not in {c[0] for c in self.topic.choices}:
            # A tag not in use (yet): still a valid filter, it simply matches nothing.
            self.topic.choices.append((self.topic.data, topic_label(self.topic.data)))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors = [*self.date_to.errors, str(_l("The end date is before the start date."))]
            ok = False
        return ok


class DuplicateForm(FlaskForm):
    """Duplicate an opportunity: the copy's sessions move to start on this date."""

    first_day = DateField(
        _l("First session of the copy on"),
        validators=[Optional()],
        description=_l("The other sessions keep their spacing, times of day and places."),
    )
