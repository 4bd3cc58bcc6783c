"""Issue 12 item 5: absurd input is a 4xx with the API's error body (pages: the error page or the form again),
never a 500, and nothing is stored (docs/security.md, "Bad input")."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.auth.models import User
from csi_events.auth.services import create_api_token
from csi_events.checkin.models import CheckIn, ScanAnswer
from csi_events.db import utcnow
from csi_events.opportunities.models import LearningOpportunity
from csi_events.outbox import OutboxMessage
from csi_events.people.models import Person
from csi_events.registrations.models import Registration
from csi_events.support.models import SupportActivity
from tests.factories import DEFAULT_PASSWORD, make_lea, make_opportunity, make_registration, make_user

ABSURD_DAYS = ("0001-01-01", "9999-12-31")


@pytest.fixture
def world(db):
    admin = make_user("admin")
    lea = make_lea(cd_code="1964733")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=10))
    registration = make_registration(opp)
    token = create_api_token(admin, ["read", "write", "checkin"])
    db.session.commit()
    return {"admin": admin, "lea": lea, "opp": opp, "reg": registration, "h": {"Authorization": f"Bearer {token}"}}


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_error_body(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["message"] and (code is None or error["code"] == code)
    return error


def test_deeply_nested_json_is_a_400(client, db, world):
    for path in ("/api/v1/checkins", f"/api/v1/opportunities/{world['opp'].id}/registrations"):
        response = client.post(path, data="[" * 50_000, content_type="application/json", headers=world["h"])
        assert_error_body(response, 400, "malformed")
    assert count(db, CheckIn) == 0 and count(db, ScanAnswer) == 0 and count(db, Registration) == 1


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**70), 10**40])
def test_integers_beyond_64_bits_are_a_422(client, db, world, value):
    scan = {"session_id": value, "ticket": world["reg"].ticket, "nonce": "big-1"}
    assert_error_body(client.post("/api/v1/checkins", json=scan, headers=world["h"]), 422, "invalid")
    activity = {
        "occurred_on": utcnow().date().isoformat(),
        "lea": "1964733",
        "kind": "coaching",
        "modality": "virtual",
        "duration_minutes": 30,
        "contacts": [value],
    }
    assert_error_body(client.post("/api/v1/support-activities", json=activity, headers=world["h"]), 422, "invalid")
    assert count(db, CheckIn) == 0 and count(db, ScanAnswer) == 0 and count(db, SupportActivity) == 0


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00", "9999-12-31T23:00:00", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00-08:00"]
)
def test_session_times_at_year_1_or_9999_are_a_422_in_the_api(client, db, world, moment):
    body = {
        "title": "Far away",
        "kind": "workshop",
        "modality": "in_person",
        "sessions": [{"starts_at": moment, "ends_at": moment, "venue": "Room 1"}],
        "registration_closes_at": moment,
    }
    error = assert_error_body(client.post("/api/v1/opportunities", json=body, headers=world["h"]), 422, "invalid")
    assert "sessions.0.starts_at" in error["fields"]
    patch = {"sessions": [{"starts_at": moment, "ends_at": moment, "venue": "Room 1"}]}
    response = client.patch(f"/api/v1/opportunities/{world['opp'].id}", json=patch, headers=world["h"])
    assert_error_body(response, 422, "invalid")
    assert count(db, LearningOpportunity) == 1


@pytest.mark.parametrize("day", ABSURD_DAYS)
def test_session_times_at_year_1_or_9999_are_a_form_error_on_the_staff_page(client, db, world, login, day):
    login(world["admin"])
    form = {
        "title": "Far away",
        "kind": "workshop",
        "modality": "in_person",
        "subregion": "4",
        "sessions-0-day": day,
        "sessions-0-start_time": "23:00",
        "sessions-0-end_time": "23:30",
        "sessions-0-venue": "Room 1",
        "registration_closes_day": day,
        "registration_closes_time": "23:30",
    }
    response = client.post("/staff/opportunities/new", data=form)
    assert response.status_code == 422
    assert "Give a date between 1900-01-01 and 2199-12-31." in response.get_data(as_text=True)
    assert count(db, LearningOpportunity) == 1


@pytest.mark.parametrize("day", ABSURD_DAYS)
@pytest.mark.parametrize("key", ["from", "to"])
def test_from_and_to_at_year_1_or_9999_are_a_422_in_the_api(client, db, world, day, key):
    for path in ("/api/v1/opportunities", "/api/v1/reports/summary", "/api/v1/leas/1964733/attendance"):
        error = assert_error_body(client.get(f"{path}?{key}={day}", headers=world["h"]), 422, "invalid")
        assert key in error["fields"], path


@pytest.mark.parametrize("day", ABSURD_DAYS)
def test_from_and_to_at_year_1_or_9999_are_a_422_error_page(client, db, world, login, day):
    login(world["admin"])
    for path in ("/staff/reports", "/staff/reports/rows", "/staff/reports/report.csv", "/staff/audit"):
        for key in ("from", "to"):
            response = client.get(f"{path}?{key}={day}")
            assert response.status_code == 422, (path, key, response.status_code)
            assert "Give a date between 1900-01-01 and 2199-12-31." in response.get_data(as_text=True)


def file_part(data: dict, field: str) -> dict:
    return {**data, field: (io.BytesIO(b"not text"), "x.txt")}


@pytest.mark.parametrize(
    "path,data,field",
    [
        ("/me", {"email": "someone@example.org"}, "email"),
        ("/auth/login", {"email": "x@example.org", "password": DEFAULT_PASSWORD}, "email"),
        ("/auth/login", {"email": "x@example.org", "password": DEFAULT_PASSWORD}, "password"),
        ("/here", {"email": "someone@example.org", "code": "123456"}, "code"),
        (
            "REGISTER",
            {"first_name": "A", "last_name": "B", "email": "new@example.org", "role": "teacher"},
            "first_name",
        ),
        ("REGISTER", {"first_name": "A", "last_name": "B", "email": "new@example.org", "role": "teacher"}, "email"),
    ],
)
def test_a_file_part_in_a_text_field_of_a_public_form_is_a_400(client, db, world, path, data, field):
    if path == "REGISTER":
        path = f"/opportunities/{world['opp'].id}/register"
    response = client.post(path, data=file_part(data, field), content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This form does not take files." in response.get_data(as_text=True)
    assert count(db, Person) == 1 and count(db, Registration) == 1 and count(db, OutboxMessage) == 0


def test_a_file_part_in_the_api_is_refused_as_the_wrong_content_type(client, db, world):
    body = file_part({"ticket": "x"}, "session_id")
    response = client.post("/api/v1/checkins", data=body, content_type="multipart/form-data", headers=world["h"])
    assert_error_body(response, 415)


@pytest.mark.parametrize("target", ["/x%0d%0aSet-Cookie:%20a=b", "/x%0aLocation:%20//evil.example", "/x%09y"])
def test_a_login_next_with_control_characters_is_ignored(client, db, world, target):
    response = client.post(
        f"/auth/login?next={target}", data={"email": world["admin"].email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil" not in location and "/x" not in location


def test_a_sign_in_whose_request_then_fails_leaves_nobody_signed_in(app, client, db, world, monkeypatch):
    """Fault injection: the request fails after login_user(); the error page must not carry a signed-in cookie."""
    from csi_events.auth import views

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "mark_signed_in", broken)
    response = client.post("/auth/login", data={"email": world["admin"].email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 500
    assert client.get("/auth/account").status_code == 302  # sent to sign in
    assert db.session.scalar(select(User.last_login_at).where(User.id == world["admin"].id)) is None
