"""Staff pages (list, create, edit, publish/cancel/archive) and the public detail page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from csi_events.audit.models import AuditEvent
from csi_events.db import utcnow
from csi_events.opportunities.models import LearningOpportunity, Session
from csi_events.registrations.models import Registration
from tests.factories import make_opportunity, make_registration, make_user

FUTURE_YEAR = utcnow().year + 3


def form_data(**overrides) -> dict:
    data = {
        "title": "Data Dive for Coordinators",
        "summary": "Reading attendance data together.",
        "description": "Bring a laptop.",
        "kind": "workshop",
        "modality": "in_person",
        "subregion": "6",
        "audience": "Coordinators",
        "topics": ["integrated_student_supports"],
        "tags": "Data,  Attendance ",
        "capacity": "25",
        "pd_hours": "3",
        "registration_opens_day": "",
        "registration_opens_time": "",
        "registration_closes_day": "",
        "registration_closes_time": "",
        "sessions-0-id": "",
        "sessions-0-day": f"{FUTURE_YEAR}-01-14",
        "sessions-0-start_time": "15:30",
        "sessions-0-end_time": "17:00",
        "sessions-0-venue": "Compton Center, Room 4",
        "sessions-0-virtual_url": "",
        # an unused row, as offered to browsers without JavaScript
        "sessions-1-id": "",
        "sessions-1-day": "",
        "sessions-1-start_time": "",
        "sessions-1-end_time": "",
        "sessions-1-venue": "",
        "sessions-1-virtual_url": "",
    }
    data.update(overrides)
    return data


def staff_client(db, login):
    user = make_user("staff")
    db.session.commit()
    login(user)
    return user


def test_staff_pages_need_a_staff_account(client, db, login):
    response = client.get("/staff/opportunities")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.post("/staff/opportunities/new", data=form_data()).status_code == 302
    login(make_user("facilitator"))
    assert client.get("/staff/opportunities/new").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(LearningOpportunity.id)) is None


def test_new_form_offers_empty_session_rows_and_the_add_button_script(client, db, login):
    staff_client(db, login)
    page = client.get("/staff/opportunities/new").get_data(as_text=True)
    rows = set(re.findall(r'name="sessions-(\d+)-day"', page))
    assert rows == {"0", "1", "2"}  # three rows work without JavaScript
    assert 'name="sessions-__index__-day"' in page  # the <template> row the script copies
    assert "js/opportunity_form.js" in page and "data-add-session" in page
    assert "<script>" not in page
    assert Path(__file__).resolve().parents[1].joinpath("static/js/opportunity_form.js").is_file()


def test_create_through_the_form_stores_local_times_as_utc(client, db, login):
    staff = staff_client(db, login)
    facilitator = make_user("facilitator", display_name="Fran")
    db.session.commit()
    response = client.post("/staff/opportunities/new", data=form_data(facilitators=[str(facilitator.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    opp = db.session.scalar(select(LearningOpportunity))
    db.session.refresh(opp)
    assert response.headers["Location"].endswith(f"/staff/opportunities/{opp.id}/edit")
    assert opp.status == "draft" and opp.created_by_id == staff.id
    assert len(opp.sessions) == 1
    # 15:30 in January is PST (UTC-8)
    assert opp.sessions[0].starts_at == datetime(FUTURE_YEAR, 1, 14, 23, 30, tzinfo=UTC)
    assert opp.sessions[0].ends_at == datetime(FUTURE_YEAR, 1, 15, 1, 0, tzinfo=UTC)
    assert sorted(opp.topics) == ["attendance", "data", "integrated_student_supports"]
    assert [u.id for u in opp.facilitators] == [facilitator.id]
    assert opp.subregion == 6 and opp.capacity == 25


def test_form_errors_are_shown_next_to_their_inputs_and_nothing_is_stored(client, db, login):
    staff_client(db, login)
    response = client.post(
        "/staff/opportunities/new",
        data=form_data(
            title="",
            capacity="0",
            **{"sessions-0-end_time": "15:00", "sessions-1-day": f"{FUTURE_YEAR}-01-21", "sessions-1-venue": ""},
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the learning opportunity a title." in page
    assert "whole number of seats greater than zero" in page
    assert "The session must end after it starts." in page
    assert 'id="sessions-0-end_time-err"' in page  # the message is tied to that input
    assert '<a href="#sessions-0-end_time">Session 1: The session must end after it starts.</a>' in page  # summary
    assert "Give the date and time the session starts." in page  # row 1 has a date but no times
    assert db.session.scalar(select(LearningOpportunity.id)) is None


def test_a_time_skipped_by_daylight_saving_is_explained(client, db, login):
    staff_client(db, login)
    # second Sunday of March: 2:00 -> 3:00 in Los Angeles
    march = datetime(FUTURE_YEAR, 3, 8)
    sunday = march + timedelta(days=(6 - march.weekday()) % 7)
    response = client.post(
        "/staff/opportunities/new",
        data=form_data(**{"sessions-0-day": sunday.date().isoformat(), "sessions-0-start_time": "02:30"}),
    )
    assert response.status_code == 422
    assert "does not exist in Los Angeles" in response.get_data(as_text=True)
    assert db.session.scalar(select(LearningOpportunity.id)) is None


def test_edit_shows_local_times_and_edits_removes_and_adds_sessions(client, db, login):
    staff_client(db, login)
    start = datetime(FUTURE_YEAR, 7, 1, 16, 0, tzinfo=UTC)  # 09:00 PDT
    opp = make_opportunity(starts_at=start, sessions=2, capacity=10)
    first, second = opp.sessions
    db.session.commit()
    page = client.get(f"/staff/opportunities/{opp.id}/edit").get_data(as_text=True)
    assert f'value="{FUTURE_YEAR}-07-01"' in page and 'value="09:00"' in page
    assert f'name="sessions-0-id" type="hidden" value="{first.id}"' in page
    data = form_data(
        title=opp.title,
        capacity="10",
        **{
            "sessions-0-id": str(first.id),
            "sessions-0-day": f"{FUTURE_YEAR}-07-01",
            "sessions-0-start_time": "10:00",
            "sessions-0-end_time": "12:00",
            "sessions-1-id": str(second.id),
            "sessions-1-day": f"{FUTURE_YEAR}-07-08",
            "sessions-1-start_time": "09:00",
            "sessions-1-end_time": "11:00",
            "sessions-1-venue": "Room 101",
            "sessions-1-remove": "y",
            "sessions-5-day": f"{FUTURE_YEAR}-07-15",  # a row added by the script (indexes may have gaps)
            "sessions-5-start_time": "09:00",
            "sessions-5-end_time": "11:00",
            "sessions-5-venue": "Room 7",
        },
    )
    response = client.post(f"/staff/opportunities/{opp.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    rows = db.session.scalars(select(Session).where(Session.opportunity_id == opp.id).order_by(Session.starts_at)).all()
    assert [r.id for r in rows][0] == first.id and second.id not in [r.id for r in rows]
    assert rows[0].starts_at == datetime(FUTURE_YEAR, 7, 1, 17, 0, tzinfo=UTC)
    assert rows[1].venue == "Room 7" and rows[1].starts_at == datetime(FUTURE_YEAR, 7, 15, 16, 0, tzinfo=UTC)


def test_lowering_capacity_below_confirmed_is_refused_on_the_page(client, db, login):
    staff_client(db, login)
    opp = make_opportunity(capacity=5, starts_at=datetime(FUTURE_YEAR, 1, 14, 23, 30, tzinfo=UTC))
    for _ in range(3):
        make_registration(opp)
    db.session.commit()
    data = form_data(title=opp.title, capacity="2", **{"sessions-0-id": str(opp.sessions[0].id)})
    response = client.post(f"/staff/opportunities/{opp.id}/edit", data=data)
    assert response.status_code == 422
    assert "3 people are already confirmed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LearningOpportunity, opp.id).capacity == 5


def test_raising_capacity_on_the_page_confirms_waitlisted_people(client, db, login):
    staff_client(db, login)
    opp = make_opportunity(capacity=1, starts_at=datetime(FUTURE_YEAR, 1, 14, 23, 30, tzinfo=UTC))
    make_registration(opp)
    waiting = make_registration(opp, status="waitlisted", waitlist_position=1)
    db.session.commit()
    data = form_data(title=opp.title, capacity="2", **{"sessions-0-id": str(opp.sessions[0].id)})
    assert client.post(f"/staff/opportunities/{opp.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).status == "confirmed"


def test_publish_cancel_archive_buttons(client, db, login):
    staff = staff_client(db, login)
    opp = make_opportunity(status="draft")
    db.session.commit()
    response = client.post(f"/staff/opportunities/{opp.id}/publish")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(LearningOpportunity, opp.id).status == "published"
    response = client.post(f"/staff/opportunities/{opp.id}/publish", follow_redirects=True)
    assert "Only a draft can be published" in response.get_data(as_text=True)
    client.post(f"/staff/opportunities/{opp.id}/cancel")
    db.session.expire_all()
    assert db.session.get(LearningOpportunity, opp.id).status == "cancelled"
    client.post(f"/staff/opportunities/{opp.id}/archive")
    db.session.expire_all()
    assert db.session.get(LearningOpportunity, opp.id).status == "archived"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_user_id == staff.id, AuditEvent.target_type == "opportunities")
    ).all()
    assert actions == ["opportunity_published", "opportunity_cancelled", "opportunity_archived"]
    assert client.get(f"/staff/opportunities/{opp.id}/publish").status_code == 405


def test_status_buttons_need_the_csrf_token(app, client, db, login):
    staff_client(db, login)
    opp = make_opportunity(status="draft")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/staff/opportunities/{opp.id}/publish")
        assert response.status_code in (303, 400)
        db.session.expire_all()
        assert db.session.get(LearningOpportunity, opp.id).status == "draft"
        page = client.get(f"/staff/opportunities/{opp.id}/edit").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post(f"/staff/opportunities/{opp.id}/publish", data={"csrf_token": token}).status_code == 303
        db.session.expire_all()
        assert db.session.get(LearningOpportunity, opp.id).status == "published"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_staff_list_filters_by_status_with_counts(client, db, login):
    staff_client(db, login)
    full = make_opportunity(title="Full one", capacity=2)
    make_registration(full)
    make_registration(full)
    for i in range(3):
        make_registration(full, status="waitlisted", waitlist_position=i + 1)
    make_registration(full, status="cancelled")
    make_opportunity(title="A draft", status="draft")
    make_opportunity(title="Gone", status="archived")
    db.session.commit()
    page = client.get("/staff/opportunities").get_data(as_text=True)
    assert "All (3)" in page and "Draft (1)" in page and "Published (1)" in page and "Archived (1)" in page
    row = re.search(r"Full one.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "3"]
    assert "Full — join the waitlist" in row
    page = client.get("/staff/opportunities?status=draft").get_data(as_text=True)
    assert "A draft" in page and "Full one" not in page
    page = client.get("/staff/opportunities?q=FULL").get_data(as_text=True)
    assert "Full one" in page and "A draft" not in page


def _count_queries(db, fn) -> int:
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


@pytest.mark.slow
def test_staff_list_loads_in_a_fixed_number_of_queries(client, db, login):
    staff_client(db, login)
    for _ in range(3):
        make_registration(make_opportunity())
    db.session.commit()
    few = _count_queries(db, lambda: client.get("/staff/opportunities"))
    for _ in range(30):
        make_registration(make_opportunity(sessions=2))
    db.session.commit()
    many = _count_queries(db, lambda: client.get("/staff/opportunities"))
    assert few == many <= 10


def test_detail_shows_sessions_in_los_angeles_and_seats(client, db):
    start = datetime(FUTURE_YEAR, 1, 14, 23, 30, tzinfo=UTC)  # 3:30 PM PST
    opp = make_opportunity(title="Family Night", capacity=15, starts_at=start, sessions=2)
    for _ in range(3):
        make_registration(opp)
    db.session.commit()
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Family Night" in page
    assert "3:30" in page and "PM" in page and "11:30" not in page
    assert "12 seats left" in page
    assert f'href="/opportunities/{opp.id}/register"' in page
    assert "Room 101" in page
    assert f"/opportunities/{opp.id}.ics" in page


def test_detail_seat_wording_full_and_unlimited_and_virtual(client, db):
    full = make_opportunity(capacity=1)
    make_registration(full)
    unlimited = make_opportunity(capacity=None, modality="virtual")
    unlimited.sessions[0].virtual_url = "https://meet.example.org/secret-room"
    db.session.commit()
    page = client.get(f"/opportunities/{full.id}").get_data(as_text=True)
    assert "Waitlist open" in page and "Join the waitlist" in page
    page = client.get(f"/opportunities/{unlimited.id}").get_data(as_text=True)
    assert "Open to all" in page and "Virtual" in page
    assert "secret-room" not in page  # the meeting link goes to registered people only


def test_detail_visibility_by_status(client, db, login):
    draft = make_opportunity(title="Secret draft", status="draft")
    cancelled = make_opportunity(title="Called off", status="cancelled")
    archived = make_opportunity(title="Old one", status="archived")
    db.session.commit()
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    assert client.get("/opportunities/999999").status_code == 404
    page = client.get(f"/opportunities/{cancelled.id}").get_data(as_text=True)
    assert "Cancelled" in page and "/register" not in page
    assert client.get(f"/opportunities/{archived.id}").status_code == 200
    staff_client(db, login)
    page = client.get(f"/opportunities/{draft.id}").get_data(as_text=True)
    assert "Secret draft" in page and "Draft" in page


def test_closed_registration_shows_the_reason_instead_of_the_button(client, db):
    opp = make_opportunity(registration_closes_at=utcnow() - timedelta(hours=1))
    db.session.commit()
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Registration is closed." in page and "/register" not in page
