"""The press-release paragraph (reports/press.py): its rounding rule, its wording in English and Spanish, plurals,
the center's name from the settings, support activities, and every number linking to the rows that make it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from csi_events.db import commit
from csi_events.extensions import db
from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters
from csi_events.reports.press import Rounded, paragraphs, round_people
from csi_events.reports.support_side import support_for
from csi_events.support.services import SupportInput, create_activity
from tests import report_fixture
from tests.factories import make_user

YEAR = ReportFilters.school_year(2024)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, Rounded(0, False)),
        (745, Rounded(745, False)),
        (999, Rounded(999, False)),
        (1000, Rounded(1000, False)),
        (1001, Rounded(1000, True)),
        (3137, Rounded(3100, True)),
        (3100, Rounded(3100, False)),
        (12345, Rounded(12000, True)),
        (100000, Rounded(100000, False)),
        (100999, Rounded(100000, True)),
    ],
)
def test_people_counts_from_1000_are_rounded_down_to_two_figures(count, expected):
    assert round_people(count) == expected


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", str(html))


def links_of(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]*)">([^<]*)</a>', str(html))


def made(f: ReportFilters = YEAR):
    with_support = support_for(f)
    return {p.language: p.html for p in paragraphs(f, queries.figures(f)[0], with_support)}


def test_the_hand_counted_year_in_both_languages_with_links(app):
    report_fixture.build()
    with app.test_request_context():
        found = made()
    assert text_of(found["en"]) == (
        "In the 2024-25 school year the Greater Los Angeles R-TAC offered 4 learning opportunities that reached "
        "9 attendees, representing 6 unique individuals from 4 schools in 3 subregions."
    )
    assert text_of(found["es"]) == (
        "En el año escolar 2024-25, el Greater Los Angeles R-TAC ofreció 4 oportunidades de aprendizaje que "
        "llegaron a 9 asistentes, que representan a 6 personas únicas de 4 escuelas en 3 subregiones."
    )
    for language in ("en", "es"):
        links = links_of(found[language])
        figures = [re.search(r"figure=(\w+)", href).group(1) for href, _text in links]
        assert figures == ["opportunities", "attendees", "unique_individuals", "schools", "subregions"]
        assert [int(text) for _href, text in links] == [4, 9, 6, 4, 3]
        assert all("from=2024-07-01" in href and "to=2025-06-30" in href for href, _text in links)


def test_singulars_a_custom_period_a_filter_and_the_center_setting(app, monkeypatch):
    report_fixture.build()
    monkeypatch.setitem(app.config, "CENTER_NAME", "Valley & Coast R-TAC")
    f = ReportFilters(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31), lea="1900002")  # LEA B: p3, p7 at O3
    with app.test_request_context():
        found = made(f)
    assert text_of(found["en"]) == (
        "From January 1, 2025 to March 31, 2025 the Valley &amp; Coast R-TAC offered 1 learning opportunity that "
        "reached 2 attendees, representing 2 unique individuals from 1 school in 1 subregion."
    )
    assert "ofreció 1 oportunidad de aprendizaje" in text_of(found["es"])
    assert "1 escuela en 1 subregión" in text_of(found["es"])
    assert all("lea=1900002" in href for href, _text in links_of(found["en"]))


def test_support_activities_and_the_consultation_visits_they_include(app):
    world = report_fixture.build()
    staff = make_user("staff")
    for day, kind, modality in (
        (date(2024, 10, 1), "consultation_visit", "virtual"),
        (date(2024, 11, 5), "consultation_visit", "on_site"),
        (date(2025, 2, 3), "coaching", "phone"),
    ):
        lea = world.leas["A"].id
        create_activity(SupportInput(day, lea, kind, modality, 60, staff=[staff.id]), staff)
    commit(db.session)
    with app.test_request_context():
        found = made()
    assert text_of(found["en"]).endswith(
        "It also engaged in 3 support activities with grantees, including on-site and virtual consultation visits."
    )
    assert text_of(found["es"]).endswith(
        "También realizó 3 actividades de apoyo con beneficiarios, incluidas visitas de consulta presenciales y "
        "virtuales."
    )
    support_link = links_of(found["en"])[-1]
    assert support_link[0].startswith("/staff/support") and support_link[1] == "3"


def test_over_and_all_eight_subregions(app):
    """Over 1,000 attendees are rounded with "over"; eight subregions reached read "all eight subregions"."""
    from csi_events.reports.figures import Summary

    s = Summary(77, 70, 90, 5000, 3137, 745, 41, 468, 8)
    with app.test_request_context():
        found = {p.language: p.html for p in paragraphs(YEAR, s, None)}
    assert text_of(found["en"]) == (
        "In the 2024-25 school year the Greater Los Angeles R-TAC offered 77 learning opportunities that reached "
        "over 3,100 attendees, representing 745 unique individuals from 468 schools in all eight subregions."
    )
    assert "más de 3.100 asistentes" in text_of(found["es"]) and "las ocho subregiones" in text_of(found["es"])


def test_the_dashboard_shows_both_paragraphs_with_copy_buttons(app, client, login):
    report_fixture.build()
    login(make_user("staff"))
    html = client.get("/staff/reports", query_string={"from": "2024-07-01", "to": "2025-06-30"}).get_data(as_text=True)
    assert '<blockquote id="sentence" lang="en"' in html and '<blockquote id="sentence-es" lang="es"' in html
    assert 'data-copy="sentence"' in html and 'data-copy="sentence-es"' in html
    assert "js/reports.js" in html
