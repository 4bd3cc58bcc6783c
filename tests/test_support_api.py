"""GET/POST /api/v1/support-activities: scopes, filters, pagination, 422 field errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from csi_events.auth.services import create_api_token
from csi_events.support.models import SupportActivity
from csi_events.support.services import create_activity, latest_allowed_date
from tests.test_support_services import good_input, make_world


@pytest.fixture
def w(db):
    world = make_world()
    db.session.commit()
    return world


def token_for(db, user, *scopes) -> dict:
    token = create_api_token(user, list(scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SupportActivity))


def body(w, **changes) -> dict:
    data = {
        "occurred_on": "2025-09-10",
        "lea": "1900001",
        "schools": ["19000010000001"],
        "kind": "coaching",
        "modality": "virtual",
        "duration_minutes": 45,
        "contacts": ["contact@example.org"],
        "topics": ["extended_learning", "attendance"],
        "notes": "Call about the summer program.",
    }
    data.update(changes)
    return data


def test_list_needs_a_read_token(client, db, w):
    assert client.get("/api/v1/support-activities").status_code == 401
    headers = token_for(db, w.coach, "checkin")
    response = client.get("/api/v1/support-activities", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_list_items_filters_and_pagination(client, db, w):
    a = create_activity(good_input(w, occurred_on=date(2025, 9, 1), contacts=[w.contact.id]), w.coach)
    b = create_activity(good_input(w, lea=w.beta.id, schools=[], occurred_on=date(2025, 10, 1)), w.coach)
    c = create_activity(
        good_input(w, occurred_on=date(2025, 11, 1), kind="coaching", modality="phone", staff=[w.lead.id]), w.lead
    )
    db.session.commit()
    headers = token_for(db, w.admin, "read")

    def ids(query: str) -> list[int]:
        response = client.get("/api/v1/support-activities" + query, headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    data = client.get("/api/v1/support-activities", headers=headers).get_json()
    assert (data["page"], data["per_page"], data["total"]) == (1, 50, 3)
    assert [i["id"] for i in data["items"]] == [c.id, b.id, a.id]  # newest first
    item = data["items"][2]
    assert item["lea"] == {"cd_code": "1900001", "name": "Alpha Unified", "subregion": 4}
    assert item["schools"] == [{"cds_code": "19000010000001", "name": "Alpha Elementary"}]
    assert item["contacts"] == [{"id": w.contact.id, "name": w.contact.name, "email": "contact@example.org"}]
    assert (item["duration_minutes"], item["hours"], item["staff"]) == (90, 1.5, ["coach@example.org"])
    assert item["occurred_on"] == "2025-09-01" and item["created_by"] == "coach@example.org"
    assert item["created_at"][-6:] in ("-07:00", "-08:00")  # shown in Los Angeles time with its offset

    assert ids("?from=2025-10-01") == [c.id, b.id]
    assert ids("?to=2025-09-30") == [a.id]
    assert ids("?subregion=2") == [b.id]
    assert ids("?lea=1900002") == [b.id]
    assert ids("?kind=coaching") == [c.id]
    assert ids("?modality=phone") == [c.id]
    assert ids("?staff=LEAD@example.org") == [c.id]
    assert ids("?per_page=2&page=2") == [a.id]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?lea=9999999", "lea"),
        ("?staff=nobody@example.org", "staff"),
        ("?kind=visit", "kind"),
        ("?from=yesterday", "from"),
        ("?subregion=9", "subregion"),
        ("?per_page=1000", "per_page"),
    ],
)
def test_bad_filters_are_422_with_the_field(client, db, w, query, field):
    response = client.get("/api/v1/support-activities" + query, headers=token_for(db, w.coach, "read"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_post_creates_with_the_caller_as_default_staff(client, db, w):
    response = client.post("/api/v1/support-activities", json=body(w), headers=token_for(db, w.coach, "write"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    row = db.session.get(SupportActivity, data["id"])
    assert [u.email for u in row.staff] == ["coach@example.org"] and row.created_by_id == w.coach.id
    assert row.duration_minutes == 45 and row.topics == "extended_learning attendance"
    assert data["contacts"][0]["email"] == "contact@example.org"
    assert data["hours"] == 0.75


def test_post_with_decimal_hours_and_listed_staff(client, db, w):
    payload = body(w, duration_minutes=None, hours=1.25, staff=["lead@example.org"])
    payload.pop("duration_minutes")
    response = client.post("/api/v1/support-activities", json=payload, headers=token_for(db, w.coach, "write"))
    assert response.status_code == 201, response.get_json()
    row = db.session.get(SupportActivity, response.get_json()["id"])
    assert row.duration_minutes == 75 and [u.email for u in row.staff] == ["lead@example.org"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lea": "9999999"}, "lea", "No LEA has the CD code 9999999."),
        ({"schools": ["19000020000001"]}, "schools", "Beta High (19000020000001) is not a school of Alpha Unified."),
        ({"duration_minutes": -10}, "duration_minutes", "The duration must be more than zero."),
        ({"duration_minutes": None, "hours": -1}, "hours", "The duration must be more than zero."),
        ({"kind": "visit"}, "kind", None),
        ({"contacts": ["ghost@example.org"]}, "contacts", "Not in the directory of people: ghost@example.org."),
        ({"staff": ["nobody@example.org"]}, "staff", "No account for: nobody@example.org."),
        ({"topics": ["two words"]}, "topics", None),
        ({"colour": "blue"}, "colour", None),
    ],
)
def test_post_bad_fields_are_422_and_store_nothing(client, db, w, changes, field, message):
    payload = body(w, **changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    response = client.post("/api/v1/support-activities", json=payload, headers=token_for(db, w.coach, "write"))
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert field in fields
    if message:
        assert fields[field] == [message]
    assert count(db) == 0


def test_post_date_beyond_a_year_is_422(client, db, w):
    too_far = (latest_allowed_date() + timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/support-activities", json=body(w, occurred_on=too_far), headers=token_for(db, w.coach, "write")
    )
    assert response.status_code == 422
    assert "more than a year from today" in response.get_json()["error"]["fields"]["occurred_on"][0]
    assert count(db) == 0


def test_post_needs_write_scope_and_a_staff_account(client, db, w):
    assert client.post("/api/v1/support-activities", json=body(w)).status_code == 401
    read_only = token_for(db, w.coach, "read")
    assert client.post("/api/v1/support-activities", json=body(w), headers=read_only).status_code == 403
    facilitator = token_for(db, w.facilitator, "write")
    assert client.post("/api/v1/support-activities", json=body(w), headers=facilitator).status_code == 403
    assert count(db) == 0


def test_post_both_minutes_and_hours_or_neither_is_422(client, db, w):
    headers = token_for(db, w.coach, "write")
    both = client.post("/api/v1/support-activities", json=body(w, hours=1), headers=headers)
    assert both.status_code == 422
    neither = body(w)
    neither.pop("duration_minutes")
    assert client.post("/api/v1/support-activities", json=neither, headers=headers).status_code == 422
    assert count(db) == 0


def test_openapi_documents_the_support_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    path = doc["paths"]["/api/v1/support-activities"]
    assert {"get", "post"} <= set(path)
    assert {"from", "to", "lea", "staff", "page"} <= {p["name"] for p in path["get"]["parameters"]}
