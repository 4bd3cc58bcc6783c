"""Issue 12 item 2: the public API shows no more than the public pages: without a token, no session's
virtual_url and no facilitator's e-mail; a caller with the read scope sees both (docs/security.md, "Public API")."""

from __future__ import annotations

import pytest

from csi_events.auth.services import create_api_token
from tests.factories import make_opportunity, make_user

SECRET_URL = "https://zoom.example/j/123456789?pwd=secret"


@pytest.fixture
def webinar(db):
    facilitator = make_user("facilitator", email="host.private@example.org")
    opp = make_opportunity(modality="virtual", facilitators=[facilitator])
    opp.sessions[0].virtual_url = SECRET_URL
    read = create_api_token(make_user("staff"), ["read"])
    checkin = create_api_token(make_user("facilitator"), ["checkin"])
    db.session.commit()
    return {"opp": opp, "read": read, "checkin": checkin}


def bodies(client, opp_id: int, headers: dict) -> list[str]:
    listing = client.get("/api/v1/opportunities", headers=headers)
    detail = client.get(f"/api/v1/opportunities/{opp_id}", headers=headers)
    assert listing.status_code == 200 and detail.status_code == 200
    assert [item["id"] for item in listing.get_json()["items"]] == [opp_id]
    return [listing.get_data(as_text=True), detail.get_data(as_text=True)]


@pytest.mark.parametrize("who", ["anonymous", "checkin"])
def test_callers_without_read_see_neither_the_virtual_url_nor_facilitator_emails(client, webinar, who):
    headers = {"Authorization": f"Bearer {webinar['checkin']}"} if who == "checkin" else {}
    for text in bodies(client, webinar["opp"].id, headers):
        assert SECRET_URL not in text and "zoom.example" not in text
        assert "host.private@example.org" not in text
    detail = client.get(f"/api/v1/opportunities/{webinar['opp'].id}", headers=headers).get_json()
    assert "facilitators" not in detail and "virtual_url" not in detail["sessions"][0]
    assert detail["sessions"][0]["starts_at"]  # the rest of the session is there


def test_a_read_token_sees_both(client, webinar):
    headers = {"Authorization": f"Bearer {webinar['read']}"}
    detail = client.get(f"/api/v1/opportunities/{webinar['opp'].id}", headers=headers).get_json()
    assert detail["facilitators"] == ["host.private@example.org"]
    assert detail["sessions"][0]["virtual_url"] == SECRET_URL
    listing = client.get("/api/v1/opportunities", headers=headers).get_json()
    assert listing["items"][0]["sessions"][0]["virtual_url"] == SECRET_URL


def test_the_openapi_document_says_the_fields_are_optional(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "facilitators" not in schemas["OpportunityOut"].get("required", [])
    assert "virtual_url" not in schemas["SessionOut"].get("required", [])
    assert "read" in schemas["OpportunityOut"]["properties"]["facilitators"]["description"]
