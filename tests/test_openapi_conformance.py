"""Every documented route's real answers match the OpenAPI document: each operation is called with realistic
requests (successes, the other 2xx answers such as 200 `already_registered`, and errors), and schemathesis checks
each answer's status, content type and body against /api/v1/openapi.json. Every operation carries a tag.

Not fuzzing (tests/test_fuzz_api.py does that): these calls reach the answers random input rarely reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from csi_events.auth.models import TOKEN_SCOPES
from csi_events.auth.services import create_api_token
from csi_events.db import utcnow
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Call:
    method: str
    path: str  # as documented, e.g. /api/v1/opportunities/{opportunity_id}
    expected: int
    path_parameters: dict = field(default_factory=dict)
    query: dict | None = None
    body: dict | None = None
    auth: bool = True
    read_only: bool = False  # with a token of the read scope only


@pytest.fixture
def world(app, db):
    lea = make_lea(cd_code="1964733", name="Los Angeles Unified")
    school = make_school(lea, cds_code="19647336016091")
    admin = make_user("admin", email="admin@example.org")
    opp = make_opportunity(starts_at=utcnow() + timedelta(days=10), capacity=50)
    person = make_person("ana@example.org", lea=lea, school=school, first_name="Ana", last_name="Díaz")
    registration = make_registration(opp, person)
    to_cancel = make_registration(opp, make_person("ben@example.org"))
    today = make_opportunity(starts_at=utcnow() + timedelta(minutes=10), capacity=50)
    today_reg = make_registration(today, make_person("cai@example.org"))
    token = create_api_token(admin, list(TOKEN_SCOPES))
    read_token = create_api_token(admin, ["read"])
    db.session.commit()
    return {
        "headers": {"Authorization": f"Bearer {token}"},
        "read_headers": {"Authorization": f"Bearer {read_token}"},
        "opp": opp.id,
        "session": opp.sessions[0].id,
        "today_session": today.sessions[0].id,
        "today_ticket": today_reg.ticket,
        "person": person.id,
        "registration": registration.id,
        "to_cancel": to_cancel.id,
    }


def calls(w) -> list[Call]:
    opp = {"opportunity_id": w["opp"]}
    start = (utcnow() + timedelta(days=20)).replace(microsecond=0)
    new_opp = {
        "title": "Family nights",
        "kind": "workshop",
        "modality": "in_person",
        "sessions": [
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(), "venue": "Room 1"}
        ],
        "status": "published",
    }
    person = {"first_name": "Dee", "last_name": "Lee", "email": "dee@example.org", "role": "teacher"}
    ana = {"first_name": "Ana", "last_name": "Díaz", "email": "ana@example.org", "role": "teacher"}
    support = {
        "occurred_on": "2025-09-10",
        "lea": "1964733",
        "schools": ["19647336016091"],
        "kind": "coaching",
        "modality": "phone",
        "duration_minutes": 60,
    }
    scan = {"session_id": w["today_session"], "ticket": w["today_ticket"], "nonce": "n-1", "override": True}
    return [
        Call("GET", "/api/v1/leas", 200, query={"q": "angeles"}),
        Call("GET", "/api/v1/leas", 422, query={"subregion": "9"}),
        Call("GET", "/api/v1/schools", 200, query={"q": "1964733"}),
        Call("GET", "/api/v1/leas/{cd_code}", 200, {"cd_code": "1964733"}, auth=False),
        Call("GET", "/api/v1/leas/{cd_code}", 404, {"cd_code": "0000000"}, auth=False),
        Call("PATCH", "/api/v1/leas/{cd_code}", 200, {"cd_code": "1964733"}, body={"subregion": 4, "aliases": "LAUSD"}),
        Call("PATCH", "/api/v1/leas/{cd_code}", 422, {"cd_code": "1964733"}, body={"subregion": 9}),
        Call("PATCH", "/api/v1/leas/{cd_code}", 404, {"cd_code": "0000000"}, body={"subregion": None}),
        Call("PATCH", "/api/v1/leas/{cd_code}", 403, {"cd_code": "1964733"}, body={"subregion": 1}, read_only=True),
        Call("GET", "/api/v1/schools/{cds_code}", 200, {"cds_code": "19647336016091"}, auth=False),
        Call("GET", "/api/v1/schools/{cds_code}", 404, {"cds_code": "00000000000000"}, auth=False),
        Call("PATCH", "/api/v1/schools/{cds_code}", 200, {"cds_code": "19647336016091"}, body={"subregion": None}),
        Call("PATCH", "/api/v1/schools/{cds_code}", 422, {"cds_code": "19647336016091"}, body={"subregion": "x"}),
        Call("PATCH", "/api/v1/schools/{cds_code}", 404, {"cds_code": "00000000000000"}, body={"is_closed": True}),
        Call("GET", "/api/v1/opportunities", 200),
        Call("GET", "/api/v1/opportunities", 422, query={"from": "not-a-date"}),
        Call("GET", "/api/v1/opportunities/{opportunity_id}", 200, opp),
        Call("GET", "/api/v1/opportunities/{opportunity_id}", 404, {"opportunity_id": 999999}),
        Call("POST", "/api/v1/opportunities", 201, body=new_opp),
        Call("POST", "/api/v1/opportunities", 422, body={**new_opp, "title": "Two\nlines"}),
        Call("POST", "/api/v1/opportunities", 401, body=new_opp, auth=False),
        Call("PATCH", "/api/v1/opportunities/{opportunity_id}", 200, opp, body={"summary": "Bring a friend"}),
        Call(
            "POST", "/api/v1/opportunities/{opportunity_id}/duplicate", 201, opp, body={"first_day": str(start.date())}
        ),
        Call("POST", "/api/v1/opportunities/{opportunity_id}/duplicate", 422, opp, body={"first_day": "2000-01-01"}),
        Call("PATCH", "/api/v1/opportunities/{opportunity_id}", 404, {"opportunity_id": 999999}, body={}),
        Call("POST", "/api/v1/opportunities/{opportunity_id}/registrations", 201, opp, body=person),
        Call("POST", "/api/v1/opportunities/{opportunity_id}/registrations", 200, opp, body=ana),
        Call("POST", "/api/v1/opportunities/{opportunity_id}/registrations", 202, opp, body=ana, auth=False),
        Call("POST", "/api/v1/opportunities/{opportunity_id}/registrations", 422, opp, body={**ana, "role": "x"}),
        Call("GET", "/api/v1/opportunities/{opportunity_id}/registrations", 200, opp),
        Call("GET", "/api/v1/opportunities/{opportunity_id}/registrations", 401, opp, auth=False),
        Call("POST", "/api/v1/registrations/{registration_id}/cancel", 200, {"registration_id": w["to_cancel"]}),
        Call("POST", "/api/v1/registrations/{registration_id}/cancel", 404, {"registration_id": 999999}),
        Call("GET", "/api/v1/sessions/{session_id}/roster", 200, {"session_id": w["session"]}),
        Call("GET", "/api/v1/sessions/{session_id}/roster", 404, {"session_id": 999999}),
        Call("POST", "/api/v1/checkins", 200, body=scan),
        Call("POST", "/api/v1/checkins", 200, body={**scan, "ticket": "nothing-like-a-ticket", "nonce": "n-2"}),
        Call("POST", "/api/v1/checkins", 404, body={**scan, "session_id": 999999, "nonce": "n-3"}),
        Call("DELETE", "/api/v1/checkins/{checkin_id}", 404, {"checkin_id": 999999}),
        Call("POST", "/api/v1/sessions/{session_id}/walk-ins", 201, {"session_id": w["today_session"]}, body=person),
        # The same person again: already checked in, answered 200 with the reason.
        Call("POST", "/api/v1/sessions/{session_id}/walk-ins", 200, {"session_id": w["today_session"]}, body=person),
        Call("GET", "/api/v1/people/{person_id}/attendance", 200, {"person_id": w["person"]}),
        Call("GET", "/api/v1/people/{person_id}/attendance", 404, {"person_id": 999999}),
        Call("GET", "/api/v1/leas/{cd_code}/attendance", 200, {"cd_code": "1964733"}),
        Call("GET", "/api/v1/leas/{cd_code}/attendance", 404, {"cd_code": "0000000"}),
        Call("GET", "/api/v1/reports/summary", 200, query={"from": "2025-07-01", "to": "2026-06-30"}),
        Call("GET", "/api/v1/reports/summary", 422, query={"subregion": "nine"}),
        Call("GET", "/api/v1/people/{person_id}/export", 200, {"person_id": w["person"]}),
        Call("GET", "/api/v1/people/{person_id}/export", 404, {"person_id": 999999}),
        Call("GET", "/api/v1/support-activities", 200),
        Call("POST", "/api/v1/support-activities", 201, body=support),
        Call("POST", "/api/v1/support-activities", 422, body={**support, "lea": "9999999"}),
        Call("GET", "/api/v1/support-activities/figures", 200),
        Call("GET", "/api/v1/opportunities/{opportunity_id}/survey", 200, {"opportunity_id": w["opp"]}, auth=False),
        Call("GET", "/api/v1/opportunities/{opportunity_id}/survey", 404, {"opportunity_id": 999999}, auth=False),
        Call("GET", "/api/v1/opportunities/{opportunity_id}/survey/results", 200, {"opportunity_id": w["opp"]}),
        Call("POST", "/api/v1/surveys/responses", 422, body={"token": "not-a-token", "answers": {}}, auth=False),
        Call("GET", "/api/v1/sessions/{session_id}/sign-in-sheet.pdf", 200, {"session_id": w["session"]}),
        Call("GET", "/api/v1/sessions/{session_id}/badges.pdf", 200, {"session_id": w["session"]}),
        Call("GET", "/api/v1/sessions/{session_id}/no-shows", 200, {"session_id": w["session"]}),
        Call("GET", "/api/v1/sessions/{session_id}/no-shows", 404, {"session_id": 999999}),
        Call(
            "POST",
            "/api/v1/sessions/{session_id}/checkins/bulk",
            200,
            {"session_id": w["session"]},
            body={"registration_ids": [w["registration"]], "method": "paper"},
        ),
    ]


def test_every_documented_answer_matches_the_document(app, db, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    documented = {(op.method.upper(), op.path) for op in (result.ok() for result in schema.get_all_operations())}
    called = set()
    for call in calls(world):
        operation = schema[call.path][call.method]
        headers = world["read_headers" if call.read_only else "headers"] if call.auth else {}
        kwargs = {"path_parameters": call.path_parameters, "headers": headers}
        if call.query is not None:
            kwargs["query"] = call.query
        if call.body is not None:
            kwargs["body"] = call.body
            kwargs["media_type"] = "application/json"
        case = operation.Case(**kwargs)
        response = case.call()
        assert response.status_code == call.expected, (call.method, call.path, response.status_code, response.text)
        case.validate_response(response, checks=CHECKS)
        called.add((call.method, call.path))
    assert called == documented, f"not exercised: {documented - called}"


def test_registering_again_with_a_write_token_is_documented(app, db):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    answers = document["paths"]["/api/v1/opportunities/{opportunity_id}/registrations"]["post"]["responses"]
    assert {"200", "201", "202", "default"} <= set(answers)
    schema = document["components"]["schemas"][
        answers["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    ]
    assert schema["properties"]["status"]["const"] == "already_registered"


def test_every_operation_has_a_tag(app, db):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    untagged = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if not operation.get("tags")
    ]
    assert untagged == []
    tags = {tag for ops in document["paths"].values() for op in ops.values() for tag in op["tags"]}
    assert {"attendance", "privacy", "reports"} <= tags
