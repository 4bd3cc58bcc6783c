"""GET /api/v1/leas and /api/v1/schools: public, paginated, filtered, closed records left out by default."""

from __future__ import annotations

from csi_events.auth.services import create_api_token
from tests.factories import make_lea, make_school, make_user


def seed(db):
    lausd = make_lea(name="Los Angeles Unified", cd_code="1964733", subregion=4, ccspp_status="implementation")
    lbusd = make_lea(name="Long Beach Unified", cd_code="1964725", subregion=8)
    make_lea(name="Vista Horizon Charter Academy", cd_code="1976869", subregion=2, kind="charter")
    make_lea(name="Closed Elementary District", cd_code="1960000", subregion=3, is_closed=True)
    make_school(lausd, name="Esperanza Elementary", cds_code="19647336016091", city="Los Angeles", subregion=4)
    make_school(lausd, name="Hollenbeck Middle", cds_code="19647336018295", city="Los Angeles", subregion=7)
    make_school(lausd, name="Avalon Gardens", cds_code="19647331931047", is_closed=True)
    make_school(lbusd, name="Cabrillo High", cds_code="19647256011001", city="Long Beach", subregion=8)
    db.session.commit()


def test_leas_are_public_and_shaped_as_documented(client, db):
    seed(db)
    response = client.get("/api/v1/leas")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 50
    assert [i["cd_code"] for i in body["items"]] == ["1964725", "1964733", "1976869"]  # by name
    lausd = body["items"][1]
    assert lausd == {
        "cd_code": "1964733",
        "name": "Los Angeles Unified",
        "kind": "district",
        "subregion": 4,
        "ccspp_status": "implementation",
        "is_closed": False,
    }


def test_leas_search_filter_and_closed(client, db):
    seed(db)
    assert [i["name"] for i in client.get("/api/v1/leas?q=long").get_json()["items"]] == ["Long Beach Unified"]
    assert [i["cd_code"] for i in client.get("/api/v1/leas?q=196473").get_json()["items"]] == ["1964733"]
    assert client.get("/api/v1/leas?q=los+unified").get_json()["total"] == 1
    assert client.get("/api/v1/leas?kind=charter").get_json()["items"][0]["cd_code"] == "1976869"
    assert client.get("/api/v1/leas?subregion=8").get_json()["items"][0]["cd_code"] == "1964725"
    body = client.get("/api/v1/leas?include_closed=true").get_json()
    assert body["total"] == 4 and any(i["is_closed"] for i in body["items"])


def test_leas_paginate(client, db):
    seed(db)
    body = client.get("/api/v1/leas?per_page=2&page=2").get_json()
    assert body["total"] == 3 and body["page"] == 2 and body["per_page"] == 2
    assert [i["cd_code"] for i in body["items"]] == ["1976869"]


def test_schools_by_lea_and_query_without_closed(client, db):
    seed(db)
    body = client.get("/api/v1/schools?lea=1964733").get_json()
    assert body["total"] == 2
    assert body["items"][0] == {
        "cds_code": "19647336016091",
        "name": "Esperanza Elementary",
        "lea": "1964733",
        "lea_name": "Los Angeles Unified",
        "city": "Los Angeles",
        "subregion": 4,
        "is_closed": False,
    }
    assert [i["name"] for i in client.get("/api/v1/schools?q=cabrillo").get_json()["items"]] == ["Cabrillo High"]
    assert client.get("/api/v1/schools?q=long+beach").get_json()["total"] == 1  # city matches too
    assert client.get("/api/v1/schools?q=cabrillo&lea=1964733").get_json()["total"] == 0
    assert client.get("/api/v1/schools?lea=1999999").get_json()["items"] == []
    closed = client.get("/api/v1/schools?lea=1964733&include_closed=true").get_json()
    assert closed["total"] == 3 and {i["name"] for i in closed["items"]} >= {"Avalon Gardens"}


def test_bad_query_parameters_are_422_not_500(client, db):
    seed(db)
    for url in (
        "/api/v1/schools?lea=abc",
        "/api/v1/schools?lea=19647331",
        "/api/v1/leas?per_page=0",
        "/api/v1/leas?per_page=1000",
        "/api/v1/leas?page=-1",
        "/api/v1/leas?subregion=9",
        "/api/v1/leas?kind=university",
        "/api/v1/leas?include_closed=maybe",
        "/api/v1/leas?q=" + "x" * 101,
    ):
        response = client.get(url)
        assert response.status_code == 422, url
        assert response.get_json()["error"]["code"] == "invalid"
    assert client.get("/api/v1/leas?q=%25_").get_json()["total"] == 0  # wildcards are literal


def test_a_token_caller_gets_the_same_answer(client, db):
    seed(db)
    token = create_api_token(make_user("staff"), ["read"])
    db.session.commit()
    anonymous = client.get("/api/v1/schools?q=hollenbeck").get_json()
    with_token = client.get("/api/v1/schools?q=hollenbeck", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert anonymous == with_token and anonymous["total"] == 1


def test_directory_routes_are_in_the_openapi_document(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/leas"] and "security" not in spec["paths"]["/api/v1/leas"]["get"]
    params = {p["name"] for p in spec["paths"]["/api/v1/schools"]["get"]["parameters"]}
    assert {"q", "lea", "include_closed", "page", "per_page"} <= params
