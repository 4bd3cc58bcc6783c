"""The public catalog: what it lists, in which order, its filters, search, pagination, query count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from csi_events.db import utcnow
from csi_events.opportunities.models import LearningOpportunity, OpportunityTopic, Session
from csi_events.opportunities.queries import CatalogFilters, catalog_page
from csi_events.registrations.models import Registration
from tests.factories import make_opportunity, make_person, make_registration

NOW = utcnow().replace(microsecond=0)


def titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/opportunities/\d+">([^<]+)</a>', page)


def test_lists_published_upcoming_with_the_next_session_first(client, db):
    make_opportunity(title="Later", starts_at=NOW + timedelta(days=20))
    make_opportunity(title="Sooner", starts_at=NOW + timedelta(days=3))
    # first session long past, the second one in 10 days: sorted by the upcoming one
    series = make_opportunity(title="Series", starts_at=NOW - timedelta(days=60), sessions=2, hours=1)
    series.sessions[1].starts_at = NOW + timedelta(days=10)
    series.sessions[1].ends_at = NOW + timedelta(days=10, hours=1)
    make_opportunity(title="Happening now", starts_at=NOW - timedelta(hours=1), hours=3)
    make_opportunity(title="Over", starts_at=NOW - timedelta(days=2))
    make_opportunity(title="Draft", status="draft")
    make_opportunity(title="Cancelled", status="cancelled")
    make_opportunity(title="Archived", status="archived")
    db.session.commit()
    page = client.get("/opportunities").get_data(as_text=True)
    assert titles(page) == ["Happening now", "Sooner", "Series", "Later"]
    assert "4 learning opportunities" in page
    assert "Not a valid" not in page  # no filter given is not an error


def test_past_toggle_lists_those_that_are_over_most_recent_first(client, db):
    make_opportunity(title="Long ago", starts_at=NOW - timedelta(days=90))
    make_opportunity(title="Last week", starts_at=NOW - timedelta(days=7))
    make_opportunity(title="Upcoming", starts_at=NOW + timedelta(days=7))
    db.session.commit()
    page = client.get("/opportunities?past=y").get_data(as_text=True)
    assert titles(page) == ["Last week", "Long ago"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subregion=4", ["Metro workshop"]),
        ("subregion=countywide", ["Countywide webinar"]),
        ("modality=virtual", ["Countywide webinar"]),
        ("kind=community_of_practice", ["West CoP"]),
        ("topic=extended_learning", ["West CoP"]),
        ("topic=Restorative+Practices", ["Metro workshop"]),
        ("q=WEBINAR", ["Countywide webinar"]),
        ("q=garden+metro", ["Metro workshop"]),  # every word must match (title, summary or description)
        ("q=nothing+like+this", []),
        ("subregion=4&modality=virtual", []),
    ],
)
def test_filters(client, db, query, expected):
    metro = make_opportunity(title="Metro workshop", subregion=4, topics=("family_community_engagement",))
    metro.description = "We visit the school garden."
    metro.topic_rows.append(OpportunityTopic(topic="restorative practices"))
    make_opportunity(
        title="Countywide webinar",
        subregion=None,
        modality="virtual",
        kind="webinar",
        starts_at=NOW + timedelta(days=1),
    )
    make_opportunity(
        title="West CoP",
        subregion=5,
        kind="community_of_practice",
        topics=("extended_learning",),
        starts_at=NOW + timedelta(days=2),
    )
    db.session.commit()
    response = client.get(f"/opportunities?{query}")
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True)) == expected


def test_search_treats_wildcards_literally(client, db):
    make_opportunity(title="100% attendance")
    make_opportunity(title="Attendance basics")
    db.session.commit()
    assert titles(client.get("/opportunities?q=100%25").get_data(as_text=True)) == ["100% attendance"]
    assert titles(client.get("/opportunities?q=_").get_data(as_text=True)) == []


def test_date_range_uses_los_angeles_dates(client, db):
    year = NOW.year + 2
    # 23:00 on January 5 in Los Angeles is 07:00 on January 6 in UTC
    make_opportunity(title="Late evening", starts_at=datetime(year, 1, 6, 7, 0, tzinfo=UTC), hours=1)
    make_opportunity(title="February", starts_at=datetime(year, 2, 10, 18, 0, tzinfo=UTC))
    db.session.commit()

    def listed(query):
        return titles(client.get(f"/opportunities?{query}").get_data(as_text=True))

    assert listed(f"date_from={year}-01-05&date_to={year}-01-05") == ["Late evening"]
    assert listed(f"date_from={year}-01-06&date_to={year}-01-06") == []
    assert listed(f"date_from={year}-01-06") == ["February"]
    assert listed(f"date_to={year}-01-31") == ["Late evening"]


def test_bad_filter_values_are_explained_not_an_error(client, db):
    make_opportunity(title="Still listed")
    db.session.commit()
    response = client.get("/opportunities?date_from=not-a-date&subregion=99&kind=<script>&page=x")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert titles(page) == ["Still listed"]
    assert "Not a valid date value" in page and "<script>" not in page
    response = client.get("/opportunities?date_from=2031-02-01&date_to=2031-01-01")
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_pagination_follows_catalog_per_page(app, client, db):
    app.config["CATALOG_PER_PAGE"] = 3
    try:
        for i in range(7):
            make_opportunity(title=f"Opp {i}", starts_at=NOW + timedelta(days=i + 1), subregion=2)
        db.session.commit()
        first = client.get("/opportunities?subregion=2").get_data(as_text=True)
        assert titles(first) == ["Opp 0", "Opp 1", "Opp 2"]
        assert "Page 1 of 3" in first and "page=2" in first and "subregion=2" in first
        assert titles(client.get("/opportunities?subregion=2&page=3").get_data(as_text=True)) == ["Opp 6"]
        assert titles(client.get("/opportunities?subregion=2&page=9").get_data(as_text=True)) == []
    finally:
        app.config["CATALOG_PER_PAGE"] = 20


def test_seats_shown_on_cards(client, db):
    opp = make_opportunity(title="Small room", capacity=3)
    make_registration(opp)
    make_registration(opp, status="waitlisted", waitlist_position=1)
    make_registration(opp, status="cancelled")
    full = make_opportunity(title="Packed", capacity=1)
    make_registration(full)
    make_opportunity(title="Open", capacity=None)
    db.session.commit()
    page = client.get("/opportunities").get_data(as_text=True)
    assert "2 seats left" in page and "Waitlist open" in page and "Open to all" in page


def test_catalog_query_counts_seats_per_opportunity(db):
    a = make_opportunity(capacity=10)
    b = make_opportunity(capacity=None)
    for _ in range(4):
        make_registration(a)
    make_registration(a, status="waitlisted", waitlist_position=1)
    make_registration(b)
    result = catalog_page(CatalogFilters(), 1, 20)
    by_id = {item.opportunity.id: item for item in result.items}
    assert (by_id[a.id].counts.confirmed, by_id[a.id].counts.waitlisted, by_id[a.id].seats_left) == (4, 1, 6)
    assert (by_id[b.id].counts.confirmed, by_id[b.id].seats_left) == (1, None)


def _bulk_opportunities(db, n: int, offset: int = 0) -> None:
    """n published upcoming opportunities with two sessions, topics and a registration each (one flush)."""
    person = make_person()
    start = NOW + timedelta(days=1)
    rows = []
    for i in range(offset, offset + n):
        opp = LearningOpportunity(
            title=f"Bulk {i}",
            summary="Generated",
            kind="workshop",
            modality="in_person",
            subregion=(i % 8) + 1,
            capacity=20,
            status="published",
            pd_hours=Decimal("2"),
        )
        s = start + timedelta(minutes=i)
        opp.sessions = [
            Session(starts_at=s, ends_at=s + timedelta(hours=2), venue="Hall"),
            Session(starts_at=s + timedelta(days=7), ends_at=s + timedelta(days=7, hours=2), venue="Hall"),
        ]
        opp.topic_rows = [OpportunityTopic(topic="extended_learning"), OpportunityTopic(topic=f"tag {i % 5}")]
        rows.append(opp)
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all([Registration(opportunity_id=o.id, person_id=person.id, status="confirmed") for o in rows])
    db.session.commit()


def _queries_for(db, client, url: str) -> tuple[int, str]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.slow
def test_catalog_renders_in_a_fixed_number_of_queries(client, db):
    _bulk_opportunities(db, 10)
    db.session.expunge_all()
    small, page = _queries_for(db, client, "/opportunities")
    assert "10 learning opportunities" in page
    _bulk_opportunities(db, 990, offset=10)
    db.session.expunge_all()
    large, page = _queries_for(db, client, "/opportunities")
    assert "1000 learning opportunities" in page
    assert len(titles(page)) == 20
    assert "19 seats left" in page
    # count, page rows, sessions, topics, seat counts, tags for the topic filter
    assert small == large <= 7
    filtered, page = _queries_for(db, client, "/opportunities?subregion=3&topic=extended_learning&q=bulk&page=2")
    assert filtered == large and "125 learning opportunities" in page


@pytest.mark.slow
def test_calendar_feed_of_a_large_catalog_is_also_fixed(client, db):
    _bulk_opportunities(db, 5)
    db.session.expunge_all()
    small, _ = _queries_for(db, client, "/opportunities.ics")
    _bulk_opportunities(db, 300, offset=5)
    db.session.expunge_all()
    large, body = _queries_for(db, client, "/opportunities.ics")
    assert small == large
    assert body.count("BEGIN:VEVENT") == 610


def test_ongoing_today_counts_as_upcoming_until_it_ends(db):
    opp = make_opportunity(starts_at=NOW - timedelta(hours=1), hours=2)
    assert [i.opportunity.id for i in catalog_page(CatalogFilters(), now=NOW).items] == [opp.id]
    later = NOW + timedelta(hours=2)
    assert catalog_page(CatalogFilters(), now=later).items == []
    assert [i.opportunity.id for i in catalog_page(CatalogFilters(when="past"), now=later).items] == [opp.id]
