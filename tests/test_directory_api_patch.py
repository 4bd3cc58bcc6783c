"""PATCH /api/v1/leas/{cd_code} and /api/v1/schools/{cds_code}: staff edits through the API (scope write)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from csi_events.audit.models import AuditEvent
from csi_events.auth.services import create_api_token
from csi_events.directory.models import Lea, School
from tests.factories import make_lea, make_school, make_user


@pytest.fixture
def places(db):
    lea = make_lea(cd_code="1964733", name="Los Angeles Unified", subregion=4)
    school = make_school(lea, cds_code="19647336016091", name="Belmont High", subregion=None)
    db.session.commit()
    return lea.id, school.id


def bearer(db, *scopes: str) -> dict:
    user = make_user("staff")
    token = create_api_token(user, list(scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_patch_lea_changes_the_given_fields_and_answers_as_get_does(client, db, places):
    headers = bearer(db, "write")
    response = client.patch(
        "/api/v1/leas/1964733", json={"subregion": 7, "aliases": "LAUSD, lausd, LA Unified"}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == client.get("/api/v1/leas/1964733").get_json()
    assert body["subregion"] == 7 and body["aliases"] == "LAUSD, LA Unified" and body["kind"] == "district"
    lea = db.session.get(Lea, places[0])
    assert (lea.subregion, lea.aliases, lea.ccspp_status) == (7, "LAUSD, LA Unified", "none")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lea_updated")).one()
    assert event.details["changes"]["subregion"] == [4, 7]
    cleared = client.patch("/api/v1/leas/1964733", json={"subregion": None}, headers=headers).get_json()
    assert cleared["subregion"] is None and cleared["aliases"] == "LAUSD, LA Unified"
    db.session.expire_all()
    assert db.session.get(Lea, places[0]).subregion is None


def test_patch_school_subregion_and_closed_flag(client, db, places):
    headers = bearer(db, "write")
    response = client.patch(
        "/api/v1/schools/19647336016091", json={"subregion": 3, "ccspp_status": "planning"}, headers=headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body == client.get("/api/v1/schools/19647336016091").get_json()
    assert (body["subregion"], body["ccspp_status"], body["is_closed"], body["lea"]) == (
        3,
        "planning",
        False,
        "1964733",
    )
    school = db.session.get(School, places[1])
    assert (school.subregion, school.ccspp_status) == (3, "planning")
    closed = client.patch("/api/v1/schools/19647336016091", json={"is_closed": True}, headers=headers).get_json()
    assert closed["is_closed"] is True and closed["subregion"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"subregion": 9},
        {"subregion": 0},
        {"subregion": "4"},
        {"subregion": True},
        {"subregion": 4.5},
        {"kind": "castle"},
        {"kind": None},
        {"name": "Renamed"},
        {"aliases": "x" * 600},
    ],
)
def test_patch_lea_refuses_bad_values_with_the_error_body(client, db, places, body):
    response = client.patch("/api/v1/leas/1964733", json=body, headers=bearer(db, "write"))
    assert response.status_code == 422, (body, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"] and error["fields"]
    db.session.expire_all()
    lea = db.session.get(Lea, places[0])
    assert (lea.subregion, lea.kind, lea.aliases) == (4, "district", None)


def test_patch_school_refuses_bad_values(client, db, places):
    headers = bearer(db, "write")
    for body in ({"subregion": 12}, {"is_closed": None}, {"ccspp_status": "done"}):
        response = client.patch("/api/v1/schools/19647336016091", json=body, headers=headers)
        assert response.status_code == 422 and "fields" in response.get_json()["error"], body
    assert db.session.get(School, places[1]).subregion is None


def test_unknown_codes_are_404_and_scopes_are_enforced(client, db, places):
    write = bearer(db, "write")
    for url in ("/api/v1/leas/1999999", "/api/v1/schools/19999999999999", "/api/v1/leas/abc"):
        response = client.patch(url, json={"subregion": 1}, headers=write)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", url
    assert client.get("/api/v1/leas/1999999").status_code == 404
    read_only = bearer(db, "read")
    for url in ("/api/v1/leas/1964733", "/api/v1/schools/19647336016091"):
        refused = client.patch(url, json={"subregion": 1}, headers=read_only)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
        assert client.patch(url, json={"subregion": 1}).status_code == 401
    db.session.expire_all()
    assert db.session.get(Lea, places[0]).subregion == 4 and db.session.get(School, places[1]).subregion is None
