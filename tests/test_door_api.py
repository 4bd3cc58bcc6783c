"""The door's API: sign-in sheet and badges PDFs (read back), declared in the OpenAPI document, for staff and the
opportunity's facilitators only."""

from __future__ import annotations

from datetime import timedelta

from csi_events.auth.services import create_api_token
from csi_events.db import utcnow
from tests.factories import make_opportunity, make_person, make_registration, make_user
from tests.pdf_reading import pdf_qr_codes, pdf_text


def _world(db):
    facilitator = make_user("facilitator")
    opp = make_opportunity(title="Door API Day", starts_at=utcnow() + timedelta(days=2), facilitators=[facilitator])
    regs = [make_registration(opp, make_person(first_name=f"P{n}", last_name=f"L{n}")) for n in range(3)]
    tokens = {
        "facilitator": create_api_token(facilitator, ["checkin"]),
        "other": create_api_token(make_user("facilitator"), ["checkin"]),
        "read_only": create_api_token(make_user("staff"), ["read"]),
    }
    db.session.commit()
    return opp, opp.sessions[0], regs, tokens


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_sheet_pdf(app, db, client):
    opp, session, regs, tokens = _world(db)
    url = f"/api/v1/sessions/{session.id}/sign-in-sheet.pdf"
    response = client.get(url, headers=bearer(tokens["facilitator"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Door API Day" in pdf_text(response.data)[0]
    assert sorted(pdf_qr_codes(response.data)[0]) == sorted(f"http://testserver/t/{r.ticket}" for r in regs)
    spanish = client.get(url + "?lang=es", headers={**bearer(tokens["facilitator"]), "Accept-Language": "es"})
    assert "Firma" in pdf_text(spanish.data)[0]
    assert client.get(url, headers=bearer(tokens["other"])).status_code == 403
    assert client.get(url, headers=bearer(tokens["read_only"])).status_code == 403
    assert client.get(url).status_code == 401
    assert (
        client.get("/api/v1/sessions/999999/sign-in-sheet.pdf", headers=bearer(tokens["facilitator"])).status_code
        == 404
    )


def test_badges_pdf_for_a_chosen_list_and_tents(app, db, client):
    opp, session, regs, tokens = _world(db)
    url = f"/api/v1/sessions/{session.id}/badges.pdf"
    chosen = client.get(
        url, query_string={"registration_ids": f"{regs[0].id},{regs[2].id}"}, headers=bearer(tokens["facilitator"])
    )
    assert chosen.status_code == 200
    assert sorted(pdf_qr_codes(chosen.data)[0]) == sorted(f"http://testserver/t/{r.ticket}" for r in (regs[0], regs[2]))
    tents = client.get(url, query_string={"style": "tents"}, headers=bearer(tokens["facilitator"]))
    assert len(pdf_text(tents.data)) == 3
    bad = client.get(url, query_string={"style": "posters"}, headers=bearer(tokens["facilitator"]))
    assert bad.status_code == 422 and "style" in bad.get_json()["error"]["fields"]
    bad_ids = client.get(url, query_string={"registration_ids": "1,x"}, headers=bearer(tokens["facilitator"]))
    assert bad_ids.status_code == 422


def test_door_routes_are_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    sheet = paths["/api/v1/sessions/{session_id}/sign-in-sheet.pdf"]["get"]
    assert "application/pdf" in sheet["responses"]["200"]["content"]
    assert sheet["security"] == [{"bearer": ["checkin"]}]
    assert "application/pdf" in paths["/api/v1/sessions/{session_id}/badges.pdf"]["get"]["responses"]["200"]["content"]
    bulk = paths["/api/v1/sessions/{session_id}/checkins/bulk"]["post"]
    assert bulk["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/BulkCheckInBody")
    assert "get" in paths["/api/v1/sessions/{session_id}/no-shows"]
