"""The press-release paragraph: the dashboard's figures in the words R-TAC staff write for the state, for any period
and filter, in English and Spanish, every number a link to the rows that make it (the rating to the survey summary).

"In the 2024-25 school year the Greater Los Angeles R-TAC offered 77 learning opportunities that reached over 3,100
attendees, representing 745 unique individuals from 468 schools in all eight subregions. It also engaged in 459
support activities with grantees, including on-site and virtual consultation visits."
With enough survey answers (the rating rule below) "Participants rated the sessions 4.6 of 5." follows the first
sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.lists import format_list
from flask import current_app, url_for
from flask_babel import force_locale, format_date, format_decimal, format_number, get_locale, get_translations
from markupsafe import Markup, escape

from ..surveys.summary import Rating, overall_rating
from .figures import Summary
from .filters import ReportFilters
from .support_side import SupportSide, consultation_modalities

LANGUAGES = ("en", "es")
DEFAULT_CENTER_NAME = "Greater Los Angeles R-TAC"
ALL_SUBREGIONS = 8

# The rounding rule. Counts of people (attendees, unique individuals) of 1,000 or more are rounded DOWN to two
# significant figures and preceded by "over": 3,137 -> "over 3,100", 12,345 -> "over 12,000". When rounding changes
# nothing (3,100) the number is given as it is, without "over". Below 1,000 people, and for every count of things
# (opportunities, schools, subregions, support activities), the number is exact. Rounding down keeps "over" true.
ROUND_FROM = 1000
SIGNIFICANT_FIGURES = 2

# The rating rule. "Participants rated the sessions 4.6 of 5" is added only when at least MIN_RATING_ANSWERS
# responses of the period and filters answered the standard "overall quality" question (surveys/summary.py,
# overall_rating). Fewer answers say too little about the sessions and, in a narrow filter, could point to the
# few people who gave them. The mean is shown to one decimal (rounded half up) and links to the survey summary.
MIN_RATING_ANSWERS = 10


def rating_to_state(rating: Rating | None) -> Rating | None:
    """The rating rule above: the rating when enough people answered, else None (the sentence is left out)."""
    return rating if rating is not None and rating.answers >= MIN_RATING_ANSWERS else None


@dataclass(frozen=True)
class Rounded:
    value: int  # the number shown
    over: bool  # "over" precedes it (the exact count is larger)


def round_people(count: int) -> Rounded:
    """The rounding rule above."""
    if count < ROUND_FROM:
        return Rounded(count, False)
    step = 10 ** (len(str(count)) - SIGNIFICANT_FIGURES)
    shown = count // step * step
    return Rounded(shown, shown != count)


@dataclass(frozen=True)
class Paragraph:
    language: str
    html: Markup  # with links


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _filled(phrase: str, number: Markup) -> Markup:
    """A translated "%(num)s things" phrase (the catalog's plural form, from ngettext) with `number` (a link) in it."""
    return escape(phrase) % {"num": number}


def _sentence(template: str, **values: Markup | str) -> Markup:
    return escape(template) % values


class _Builder:
    """Builds the paragraph of one language (the request's locale at the time of the call)."""

    def __init__(self, f: ReportFilters, s: Summary, rows_url: Callable[[str], str]) -> None:
        self.f, self.s, self.rows_url = f, s, rows_url

    def number(self, figure: str, count: int) -> Markup:
        return _link(self.rows_url(figure), format_number(count))

    def people(self, figure: str, count: int) -> Markup:
        t = get_translations()
        rounded = round_people(count)
        number = _link(self.rows_url(figure), format_number(rounded.value))
        if figure == "attendees":
            plural = t.ngettext("%(num)s attendee", "%(num)s attendees", rounded.value)
        else:
            plural = t.ngettext("%(num)s unique individual", "%(num)s unique individuals", rounded.value)
        phrase = _filled(plural, number)
        if rounded.over:
            return _sentence(get_translations().gettext("over %(phrase)s"), phrase=phrase)
        return phrase

    def period(self) -> Markup:
        t = get_translations()
        year = self.f.school_year_start
        if year is not None:
            return _sentence(t.gettext("In the %(year)s school year"), year=self.f.period_label)
        start, end = format_date(self.f.date_from, "long"), format_date(self.f.date_to, "long")
        return _sentence(t.gettext("From %(start)s to %(end)s"), start=start, end=end)

    def subregions(self) -> Markup:
        n = self.s.subregions
        if n == ALL_SUBREGIONS:
            return _link(self.rows_url("subregions"), get_translations().gettext("all eight subregions"))
        return _filled(
            get_translations().ngettext("%(num)s subregion", "%(num)s subregions", n), self.number("subregions", n)
        )

    def attendance(self, center: str) -> Markup:
        s, t = self.s, get_translations()
        return _sentence(
            t.gettext(
                "%(period)s the %(center)s offered %(opportunities)s that reached %(attendees)s, representing "
                "%(individuals)s from %(schools)s in %(subregions)s."
            ),
            period=self.period(),
            center=center,
            opportunities=_filled(
                t.ngettext("%(num)s learning opportunity", "%(num)s learning opportunities", s.opportunities),
                self.number("opportunities", s.opportunities),
            ),
            attendees=self.people("attendees", s.attendees),
            individuals=self.people("unique_individuals", s.unique_individuals),
            schools=_filled(
                t.ngettext("%(num)s school", "%(num)s schools", s.schools), self.number("schools", s.schools)
            ),
            subregions=self.subregions(),
        )

    def support(self, side: SupportSide | None, visits: list[str]) -> Markup | None:
        if side is None or not side.figures["count"]:
            return None
        t = get_translations()
        count = int(side.figures["count"])
        number = _link(url_for("support.activity_list", **side.list_args), format_number(count))
        activities = _filled(t.ngettext("%(num)s support activity", "%(num)s support activities", count), number)
        if not visits:
            return _sentence(t.gettext("It also engaged in %(activities)s with grantees."), activities=activities)
        words = {
            "on_site": t.gettext("on-site"),
            "virtual": t.gettext("virtual"),
            "phone": t.gettext("phone"),
        }
        modalities = format_list([words.get(m, m) for m in visits], locale=str(get_locale()))
        return _sentence(
            t.gettext("It also engaged in %(activities)s with grantees, including %(modalities)s consultation visits."),
            activities=activities,
            modalities=modalities,
        )

    def rating(self, rating: Rating | None, summary_url: str) -> Markup | None:
        if rating is None:
            return None
        number = _link(summary_url, format_decimal(rating.mean, "0.0"))
        return _sentence(get_translations().gettext("Participants rated the sessions %(rating)s of 5."), rating=number)


def center_name() -> str:
    return str(current_app.config.get("CENTER_NAME") or DEFAULT_CENTER_NAME)


def paragraphs(f: ReportFilters, s: Summary, side: SupportSide | None) -> list[Paragraph]:
    """The paragraph in each language, every number linking to its rows (the rows page of this period and filter)."""

    def rows_url(figure: str) -> str:
        return url_for("reports.rows", **f.to_args(figure=figure))

    visits = consultation_modalities(f) if side is not None and side.figures["count"] else []
    rating = rating_to_state(overall_rating(f))
    summary_url = url_for("surveys.summary", **f.to_args())
    found = []
    for language in LANGUAGES:
        with force_locale(language):
            builder = _Builder(f, s, rows_url)
            parts = [
                builder.attendance(center_name()),
                builder.rating(rating, summary_url),
                builder.support(side, visits),
            ]
            found.append(Paragraph(language, Markup(" ").join(p for p in parts if p is not None)))
    return found
