"""Report filters, presets, local months, the sentence's number format, and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from csi_events.errors import ValidationFailed
from csi_events.models import CheckIn
from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters, local_today, school_year_of
from tests import report_fixture
from tests.factories import make_opportunity, make_person, make_user


def test_presets_follow_the_school_year(app):
    this = school_year_of(local_today())
    f = ReportFilters.from_args({})
    assert (f.date_from, f.date_to) == (date(this, 7, 1), date(this + 1, 6, 30))
    f = ReportFilters.from_args({"preset": "previous"})
    assert (f.date_from, f.date_to) == (date(this - 1, 7, 1), date(this, 6, 30))
    assert f.period_label == f"{this - 1}-{this % 100:02d}"
    f = ReportFilters.from_args({"from": "2025-01-01", "to": "2025-01-31", "subregion": "countywide"})
    assert f.preset == "custom" and f.subregion == "countywide" and f.period_label == "2025-01-01 – 2025-01-31"
    assert [m[0] for m in f.months()] == ["2025-01"]


@pytest.mark.parametrize(
    "args, field",
    [
        ({"from": "03/04/2025"}, "from"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "to"),
        ({"subregion": "9"}, "subregion"),
        ({"lea": "x" * 201}, "lea"),
        ({"kind": "party"}, "kind"),
        ({"preset": "someday"}, "preset"),
    ],
)
def test_bad_filters_are_named(app, args, field):
    with pytest.raises(ValidationFailed) as err:
        ReportFilters.from_args(args)
    assert field in err.value.fields


def test_bad_filters_on_pages_and_api(app, client, login):
    login(make_user("staff"))
    page = client.get("/staff/reports?from=yesterday")
    assert page.status_code == 422 and "Use a date like 2025-03-04." in page.get_data(as_text=True)
    assert client.get("/staff/reports?lea=1234567").status_code == 422  # unknown LEA
    body = client.get("/api/v1/reports/summary?from=nope").get_json()
    assert body["error"]["code"] == "invalid" and "from" in body["error"]["fields"]
    assert client.get("/api/v1/reports/summary?lea=1234567").status_code == 422
    assert client.get("/api/v1/leas/1234567/attendance").status_code == 404


def test_api_needs_read_scope(app, client, login):
    assert client.get("/api/v1/reports/summary").status_code == 401
    login(make_user("facilitator"))
    assert client.get("/api/v1/reports/summary").status_code == 403


def test_local_month_and_day_bounds(app, db):
    """A session at 23:00 on Sept 30 in Los Angeles (06:00 UTC Oct 1) is a September session."""
    late = datetime(2024, 10, 1, 6, 0, tzinfo=UTC)
    opp = make_opportunity(starts_at=late)
    person = make_person()
    db.session.add(CheckIn(session_id=opp.sessions[0].id, person_id=person.id, method="qr"))
    db.session.flush()
    sept = ReportFilters(date(2024, 9, 1), date(2024, 9, 30))
    assert queries.summary(sept).attendances == 1
    assert queries.summary(ReportFilters(date(2024, 10, 1), date(2024, 10, 31))).attendances == 0
    months = {r.key: r.attendances for r in queries.breakdown(ReportFilters.school_year(2024), "month")}
    assert months["2024-09"] == 1 and months["2024-10"] == 0
    # One hour later it is October.
    opp.sessions[0].starts_at = late + timedelta(hours=1)
    opp.sessions[0].ends_at = late + timedelta(hours=3)
    db.session.flush()
    assert queries.summary(sept).attendances == 0


def test_filters_narrow_figures(app):
    report_fixture.build()
    year = ReportFilters.school_year(2024)
    assert queries.summary(year.but(subregion="countywide")).as_dict() == {
        "opportunities": 1, "opportunities_with_attendance": 1, "sessions": 1, "attendances": 3, "attendees": 3,
        "unique_individuals": 3, "leas": 2, "schools": 2, "subregions": 2,
    }  # fmt: skip
    # The participants' subregion: 7 is p4's school's own; "none" is p5 (no school, no LEA).
    seven = queries.summary(year.but(people_subregion=7))
    assert (seven.unique_individuals, seven.attendances, seven.opportunities_with_attendance) == (1, 2, 2)
    neither = queries.summary(year.but(people_subregion="none"))
    assert (neither.unique_individuals, neither.attendances, neither.subregions) == (1, 1, 0)
    four = queries.summary(year.but(people_subregion=4))  # A1's own 4, and A2 without one takes LEA A's 4
    assert (four.unique_individuals, four.schools) == (2, 2)
    virtual = queries.summary(year.but(modality="virtual"))
    assert (virtual.opportunities, virtual.sessions, virtual.attendances) == (2, 2, 3)  # O2 and the empty O6
    topic = queries.summary(year.but(topic="collaborative_leadership"))
    assert (topic.opportunities, topic.attendances) == (1, 3)
    kind = queries.summary(year.but(kind="training_series"))
    assert (kind.attendances, kind.attendees, kind.unique_individuals) == (5, 3, 3)
    topics = {r.key: r.attendances for r in queries.breakdown(year, "topic")}
    assert topics == {
        "family_community_engagement": 5,
        "integrated_student_supports": 3,
        "collaborative_leadership": 3,
        "extended_learning": 5,
    }


def test_school_and_subregion_pages(app, client, login):
    world = report_fixture.build()
    login(make_user("staff"))
    html = client.get(f"/staff/reports/schools/{world.schools['B1'].cds_code}?from=2024-07-01&to=2025-06-30").get_data(
        as_text=True
    )
    # B1: p3 (O1 S1, O3 x3) and p7 (O3 S1).
    assert 'id="figure-attendances"><a href="' in html
    assert ">5</a>" in html.split('id="figure-attendances">')[1][:300]
    assert "Fay Nakamura" in html and "Cai Wong" in html
    html = client.get("/staff/reports/subregions/countywide?from=2024-07-01&to=2025-06-30").get_data(as_text=True)
    assert "Integrated Supports Webinar" in html and "Eve Stone" in html and "Helping Hands" in html
    assert client.get("/staff/reports/subregions/9").status_code == 404
    assert client.get("/staff/reports/leas/0000000").status_code == 404
