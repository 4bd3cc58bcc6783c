"""Duplicate an opportunity as a draft: everything but its dates and registrations (opportunities/duplicate.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.localtime import local_to_utc, local_today, to_local
from csi_events.opportunities.models import LearningOpportunity
from csi_events.registrations.models import Registration
from tests.factories import make_opportunity, make_registration, make_user


def _monday(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def _source(db):
    """A published in-person series of three weekly sessions at 9:00 in Los Angeles, with registrations."""
    facilitator = make_user("facilitator")
    gone = make_user("facilitator", active=False)
    first = _monday(date(local_today().year - 1, 7, 1))  # summer: 9:00 PDT is 16:00 UTC
    opp = make_opportunity(
        title="Family Engagement Series",
        sessions=3,
        facilitators=[facilitator, gone],
        topics=("family_community_engagement", "data"),
        capacity=40,
        description="Three mornings.",
        audience="Coordinators",
        registration_opens_at=datetime.now(UTC) - timedelta(days=90),
    )
    for week, session in enumerate(opp.sessions):
        session.starts_at = local_to_utc(first + timedelta(days=7 * week), time(9, 0))
        session.ends_at = session.starts_at + timedelta(hours=2)
    opp.sessions[1].venue = "Library, Room 2"
    opp.sessions[2].virtual_url = "https://meet.example.org/family"
    make_registration(opp)
    make_registration(opp)
    db.session.commit()
    return opp, facilitator


def test_duplicate_makes_a_draft_copy_from_the_chosen_date_and_opens_its_form(client, db, login):
    staff = make_user("staff")
    db.session.commit()
    login(staff)
    opp, facilitator = _source(db)
    new_first = _monday(date(local_today().year + 1, 12, 1))  # winter: 9:00 PST is 17:00 UTC
    page = client.get(f"/staff/opportunities/{opp.id}/edit").get_data(as_text=True)
    assert f'action="/staff/opportunities/{opp.id}/duplicate"' in page and 'name="first_day"' in page

    response = client.post(f"/staff/opportunities/{opp.id}/duplicate", data={"first_day": new_first.isoformat()})
    assert response.status_code == 303
    copy = db.session.scalar(select(LearningOpportunity).where(LearningOpportunity.id != opp.id))
    assert response.headers["Location"].endswith(f"/staff/opportunities/{copy.id}/edit")
    assert copy.status == "draft" and copy.title == "Family Engagement Series (copy)"
    assert (copy.kind, copy.modality, copy.subregion, copy.capacity) == (opp.kind, opp.modality, 4, 40)
    assert (copy.description, copy.audience, copy.pd_hours) == ("Three mornings.", "Coordinators", opp.pd_hours)
    assert sorted(copy.topics) == ["data", "family_community_engagement"]
    assert [u.id for u in copy.facilitators] == [facilitator.id]  # the inactive one is left out
    assert copy.registration_opens_at is None and copy.registration_closes_at is None
    assert db.session.scalar(select(func.count(Registration.id)).where(Registration.opportunity_id == copy.id)) == 0
    local = [to_local(s.starts_at) for s in copy.sessions]
    assert [d.date() for d in local] == [new_first + timedelta(days=7 * i) for i in range(3)]
    assert {(d.hour, d.minute) for d in local} == {(9, 0)}  # the wall-clock time is kept ...
    assert {s.starts_at.hour for s in copy.sessions} == {17} and opp.sessions[0].starts_at.hour == 16  # ... not UTC
    assert [s.venue for s in copy.sessions] == ["Room 101", "Library, Room 2", "Room 101"]
    assert copy.sessions[2].virtual_url == "https://meet.example.org/family"
    assert all(s.ends_at - s.starts_at == timedelta(hours=2) for s in copy.sessions)
    assert db.session.scalar(select(func.count(Registration.id)).where(Registration.opportunity_id == opp.id)) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "opportunity_duplicated"))
    assert event.target_id == str(copy.id) and event.details == {"source_id": opp.id}
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is a draft copy" in edit and 'value="Family Engagement Series (copy)"' in edit


def test_duplicate_refuses_a_missing_or_past_date_with_a_message(client, db, login):
    login(make_user("staff"))
    opp, _f = _source(db)
    for data, words in [
        ({}, "Give the date of the copy"),
        ({"first_day": "not a date"}, "Not a valid date"),
        ({"first_day": (local_today() - timedelta(days=1)).isoformat()}, "today or a later date"),
        ({"first_day": "2199-12-30"}, "Give a date between"),
    ]:
        response = client.post(f"/staff/opportunities/{opp.id}/duplicate", data=data)
        assert response.status_code == 422, data
        assert words in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(LearningOpportunity.id))) == 1
    assert client.post("/staff/opportunities/999999/duplicate", data={"first_day": "2030-01-01"}).status_code == 404


def test_a_long_title_still_fits_with_its_copy_mark(client, db, login):
    login(make_user("staff"))
    opp = make_opportunity(title="T" * 200, status="draft")
    db.session.commit()
    day = local_today() + timedelta(days=3)
    assert (
        client.post(f"/staff/opportunities/{opp.id}/duplicate", data={"first_day": day.isoformat()}).status_code == 303
    )
    copy = db.session.scalar(select(LearningOpportunity).where(LearningOpportunity.id != opp.id))
    assert len(copy.title) == 200 and copy.title.endswith("T (copy)")


def test_facilitators_cannot_duplicate(client, db, login):
    opp = make_opportunity()
    login(make_user("facilitator"))
    db.session.commit()
    assert client.post(f"/staff/opportunities/{opp.id}/duplicate", data={"first_day": "2030-01-01"}).status_code == 403


def test_the_api_duplicates_with_the_same_service(client, db):
    from tests.test_opportunity_api import bearer

    opp = make_opportunity(title="Webinar", sessions=2)
    make_registration(opp)
    headers = bearer(db, "write")
    day = local_today() + timedelta(days=10)
    url = f"/api/v1/opportunities/{opp.id}/duplicate"
    response = client.post(url, json={"first_day": day.isoformat()}, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title"] == "Webinar (copy)" and body["status"] == "draft" and body["confirmed_count"] == 0
    assert body["sessions"][0]["starts_at"].startswith(day.isoformat()) and len(body["sessions"]) == 2
    past = client.post(url, json={"first_day": "2000-01-01"}, headers=headers)
    assert past.status_code == 422 and "today or a later date" in str(past.get_json())
    assert client.post(url, json={"first_day": day.isoformat()}, headers=bearer(db, "read")).status_code == 403
    assert client.post(url, json={"first_day": day.isoformat()}).status_code == 401
    assert db.session.scalar(select(func.count(LearningOpportunity.id))) == 2
