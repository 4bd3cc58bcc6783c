"""GET/POST/PATCH /api/v1/opportunities: the documented JSON shape, auth, validation, the same rules as pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from csi_events.auth.services import create_api_token
from csi_events.db import utcnow
from csi_events.opportunities.models import LearningOpportunity, Session
from csi_events.registrations.models import Registration
from tests.factories import make_opportunity, make_registration, make_user

YEAR = utcnow().year + 2
API_KEYS = {
    "id",
    "title",
    "summary",
    "description",
    "kind",
    "modality",
    "subregion",
    "topics",
    "capacity",
    "seats_left",
    "confirmed_count",
    "waitlist_count",
    "pd_hours",
    "registration_opens_at",
    "registration_closes_at",
    "status",
    "facilitators",
    "sessions",
    "url",
}


def bearer(db, *scopes: str) -> dict:
    user = make_user("staff")
    token = create_api_token(user, list(scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def create_body(**overrides) -> dict:
    body = {
        "title": "Extended Learning Convening",
        "summary": "Spring convening",
        "kind": "convening",
        "modality": "hybrid",
        "subregion": 3,
        "topics": ["extended_learning", "Summer"],
        "capacity": 40,
        "pd_hours": 5.5,
        "sessions": [
            {"starts_at": f"{YEAR}-03-04T08:30:00", "ends_at": f"{YEAR}-03-04T15:00:00", "venue": "Pasadena"},
        ],
    }
    body.update(overrides)
    return body


def test_list_is_public_published_only_with_the_documented_shape(client, db):
    facilitator = make_user("facilitator", email="fac@example.org")
    opp = make_opportunity(
        title="Family Engagement CoP",
        capacity=40,
        starts_at=datetime(YEAR, 3, 4, 23, 30, tzinfo=UTC),
        facilitators=[facilitator],
    )
    opp.sessions[0].virtual_url = None
    for _ in range(28):
        make_registration(opp)
    make_registration(opp, status="waitlisted", waitlist_position=1)
    make_opportunity(status="draft")
    make_opportunity(status="cancelled")
    db.session.commit()
    response = client.get("/api/v1/opportunities")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 1)
    item = body["items"][0]
    assert set(item) >= API_KEYS - {"facilitators"}
    assert item["id"] == opp.id and item["status"] == "published"
    assert (item["capacity"], item["confirmed_count"], item["seats_left"], item["waitlist_count"]) == (40, 28, 12, 1)
    assert "facilitators" not in item  # anonymous: as on the public pages (test_api_public_fields.py)
    assert item["topics"] == ["family_community_engagement"]
    assert item["pd_hours"] == 2.0 and item["subregion"] == 4
    session = item["sessions"][0]
    assert session["starts_at"] == f"{YEAR}-03-04T15:30:00-08:00"
    assert session["ends_at"] == f"{YEAR}-03-04T17:30:00-08:00"
    assert set(session) == {"id", "starts_at", "ends_at", "venue"}
    assert item["url"] == f"http://testserver/opportunities/{opp.id}"


def test_list_filters_and_pagination(client, db):
    make_opportunity(title="Metro one", subregion=4, starts_at=datetime(YEAR, 5, 1, 17, tzinfo=UTC))
    make_opportunity(title="West one", subregion=5, modality="virtual", starts_at=datetime(YEAR, 6, 1, 17, tzinfo=UTC))
    make_opportunity(title="Metro two", subregion=4, starts_at=datetime(YEAR, 7, 1, 17, tzinfo=UTC))
    db.session.commit()

    def names(query):
        response = client.get(f"/api/v1/opportunities?{query}")
        assert response.status_code == 200, response.get_json()
        return [i["title"] for i in response.get_json()["items"]]

    assert names("subregion=4") == ["Metro one", "Metro two"]
    assert names("modality=virtual") == ["West one"]
    assert names(f"from={YEAR}-05-15&to={YEAR}-06-15") == ["West one"]
    assert names("q=metro%20TWO") == ["Metro two"]
    assert names("per_page=2&page=2") == ["Metro two"]
    assert client.get("/api/v1/opportunities?per_page=2").get_json()["total"] == 3


def test_list_rejects_bad_query_values_with_422(client, db):
    for query in ("subregion=9", "from=yesterday", "kind=party", "per_page=0"):
        response = client.get(f"/api/v1/opportunities?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["fields"]


def test_detail_hides_drafts_from_the_public_and_404s_unknown_ids(client, db):
    draft = make_opportunity(status="draft")
    cancelled = make_opportunity(status="cancelled")
    headers = bearer(db, "read")
    assert client.get(f"/api/v1/opportunities/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/opportunities/{draft.id}", headers=headers).get_json()["status"] == "draft"
    assert client.get(f"/api/v1/opportunities/{cancelled.id}").get_json()["status"] == "cancelled"
    response = client.get("/api/v1/opportunities/987654")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_create_needs_a_write_token(client, db):
    assert client.post("/api/v1/opportunities", json=create_body()).status_code == 401
    response = client.post("/api/v1/opportunities", json=create_body(), headers=bearer(db, "read"))
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(LearningOpportunity)) == 0


def test_create_reads_naive_times_as_los_angeles_and_keeps_offsets(client, db):
    make_user("facilitator", email="lead@example.org")
    db.session.commit()
    body = create_body(
        facilitators=["Lead@Example.org"],
        sessions=[
            {"starts_at": f"{YEAR}-03-04T08:30:00", "ends_at": f"{YEAR}-03-04T15:00:00", "venue": "Pasadena"},
            {
                "starts_at": f"{YEAR}-07-04T16:00:00Z",
                "ends_at": f"{YEAR}-07-04T18:00:00+00:00",
                "venue": "Online and Pasadena",
                "virtual_url": "https://meet.example.org/x",
            },
        ],
    )
    response = client.post("/api/v1/opportunities", json=body, headers=bearer(db, "write"))
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert out["status"] == "draft" and out["facilitators"] == ["lead@example.org"]
    assert out["sessions"][0]["starts_at"] == f"{YEAR}-03-04T08:30:00-08:00"
    assert out["sessions"][1]["starts_at"] == f"{YEAR}-07-04T09:00:00-07:00"
    assert (
        out["pd_hours"] == 5.5 and out["seats_left"] == 40 and sorted(out["topics"]) == ["extended_learning", "summer"]
    )
    stored = db.session.scalars(select(Session).order_by(Session.starts_at)).all()
    assert stored[0].starts_at == datetime(YEAR, 3, 4, 16, 30, tzinfo=UTC)
    assert stored[1].starts_at == datetime(YEAR, 7, 4, 16, 0, tzinfo=UTC)


def test_create_published_at_once(client, db):
    response = client.post("/api/v1/opportunities", json=create_body(status="published"), headers=bearer(db, "write"))
    assert response.status_code == 201
    assert response.get_json()["status"] == "published"
    assert client.get("/api/v1/opportunities").get_json()["total"] == 1


def test_create_refuses_bad_input_with_field_messages(client, db):
    headers = bearer(db, "write")
    body = create_body(
        title=" ",
        capacity=0,
        pd_hours=1.234,
        sessions=[
            {"starts_at": f"{YEAR}-03-04T10:00:00", "ends_at": f"{YEAR}-03-04T09:00:00", "venue": "Hall"},
            {"starts_at": f"{YEAR}-03-05T10:00:00", "ends_at": f"{YEAR}-03-05T11:00:00", "virtual_url": "ftp://x"},
        ],
    )
    response = client.post("/api/v1/opportunities", json=body, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"title", "capacity", "pd_hours", "sessions.0.ends_at", "sessions.1.venue", "sessions.1.virtual_url"} <= set(
        fields
    )
    assert fields["sessions.0.ends_at"] == ["The session must end after it starts."]
    # shape errors from the schema are 422 too, never a 500
    for bad in (
        create_body(kind="party"),
        create_body(sessions=[{"starts_at": "soon", "ends_at": "later"}]),
        create_body(subregion="nine"),
        create_body(sessions="none"),
        create_body(unknown_field=1),
    ):
        assert client.post("/api/v1/opportunities", json=bad, headers=headers).status_code == 422
    assert client.post("/api/v1/opportunities", json=create_body(sessions=[]), headers=headers).get_json()["error"][
        "fields"
    ]["sessions"] == ["Add at least one session with its date and times."]
    response = client.post("/api/v1/opportunities", data="{not json", headers=headers, content_type="application/json")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(LearningOpportunity)) == 0


def test_patch_changes_only_the_given_fields(client, db):
    opp = make_opportunity(title="Old title", capacity=10, subregion=4)
    headers = bearer(db, "write")
    response = client.patch(
        f"/api/v1/opportunities/{opp.id}", json={"title": "New title", "subregion": None}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    out = response.get_json()
    assert (out["title"], out["subregion"], out["capacity"], out["kind"]) == ("New title", None, 10, "workshop")
    db.session.expire_all()
    assert db.session.get(LearningOpportunity, opp.id).subregion is None


def test_patch_capacity_promotes_the_waitlist_and_refuses_going_below_confirmed(client, db):
    opp = make_opportunity(capacity=1)
    make_registration(opp)
    waiting = make_registration(opp, status="waitlisted", waitlist_position=1)
    headers = bearer(db, "write")
    response = client.patch(f"/api/v1/opportunities/{opp.id}", json={"capacity": 3}, headers=headers)
    assert response.status_code == 200
    assert (response.get_json()["confirmed_count"], response.get_json()["waitlist_count"]) == (2, 0)
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    response = client.patch(f"/api/v1/opportunities/{opp.id}", json={"capacity": 1}, headers=headers)
    assert response.status_code == 422
    assert "already confirmed" in response.get_json()["error"]["fields"]["capacity"][0]
    db.session.expire_all()
    assert db.session.get(LearningOpportunity, opp.id).capacity == 3


def test_patch_sessions_edit_add_and_remove(client, db):
    opp = make_opportunity(sessions=2)
    first, second = opp.sessions
    headers = bearer(db, "write")
    body = {
        "sessions": [
            {"id": first.id, "starts_at": f"{YEAR}-09-01T09:00:00", "ends_at": f"{YEAR}-09-01T11:00:00", "venue": "A"},
            {"starts_at": f"{YEAR}-09-08T09:00:00", "ends_at": f"{YEAR}-09-08T11:00:00", "venue": "B"},
        ]
    }
    response = client.patch(f"/api/v1/opportunities/{opp.id}", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    sessions = response.get_json()["sessions"]
    assert sessions[0]["id"] == first.id and sessions[0]["starts_at"] == f"{YEAR}-09-01T09:00:00-07:00"
    assert sessions[1]["venue"] == "B" and second.id not in [s["id"] for s in sessions]


def test_patch_status_goes_through_the_transitions(client, db):
    opp = make_opportunity(status="draft")
    headers = bearer(db, "write")
    url = f"/api/v1/opportunities/{opp.id}"
    assert client.patch(url, json={"status": "published"}, headers=headers).get_json()["status"] == "published"
    assert client.patch(url, json={"status": "cancelled"}, headers=headers).get_json()["status"] == "cancelled"
    response = client.patch(url, json={"status": "published"}, headers=headers)
    assert response.status_code == 409 and "Only a draft" in response.get_json()["error"]["message"]
    response = client.patch(url, json={"status": "draft"}, headers=headers)
    assert response.status_code == 409
    assert client.patch(url, json={"status": "archived"}, headers=headers).get_json()["status"] == "archived"
    assert client.patch("/api/v1/opportunities/99999", json={"title": "x"}, headers=headers).status_code == 404
    assert client.patch(url, json={"title": "x"}, headers=bearer(db, "read")).status_code == 403


def test_openapi_documents_the_opportunity_routes(client, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/opportunities"])
    assert {"get", "patch"} <= set(doc["paths"]["/api/v1/opportunities/{opportunity_id}"])
    assert "OpportunityCreate" in doc["components"]["schemas"]
    names = [p["name"] for p in doc["paths"]["/api/v1/opportunities"]["get"]["parameters"]]
    assert {"from", "to", "subregion", "modality", "kind", "topic", "q", "page", "per_page"} <= set(names)


def test_list_runs_a_fixed_number_of_queries(client, db):
    from sqlalchemy import event

    def count(url):
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    facilitator = make_user("facilitator")
    make_opportunity(facilitators=[facilitator])
    db.session.commit()
    few = count("/api/v1/opportunities")
    for _ in range(25):
        make_registration(make_opportunity(facilitators=[facilitator], starts_at=utcnow() + timedelta(days=3)))
    db.session.commit()
    assert count("/api/v1/opportunities") == few
