"""Issue 12 item 4: after an erasure nothing personal of that person can be read through an old manage link or
a stored scan answer, whatever the scan's outcome (docs/security.md, "Privacy")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from csi_events.auth.services import create_api_token
from csi_events.checkin.models import ScanAnswer
from csi_events.db import utcnow
from csi_events.people.privacy import erase_person
from csi_events.registrations.manage_links import manage_url
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user

SECRETS = ("Zelda", "Quintero-Vasquez", "Hidden Valley Unified", "Hidden Valley Elementary", "Wheelchair seating")


@pytest.fixture
def scanned(client, db):
    """One person, scanned at the door with four outcomes: ok, waitlisted, cancelled and not open."""
    lea = make_lea(name="Hidden Valley Unified")
    school = make_school(lea, name="Hidden Valley Elementary")
    person = make_person(first_name="Zelda", last_name="Quintero-Vasquez", lea=lea, school=school)
    other = make_person(first_name="Bob", last_name="Kept")
    facilitator = make_user("facilitator")
    soon = utcnow() + timedelta(minutes=10)
    today = [make_opportunity(starts_at=soon, facilitators=[facilitator]) for _ in range(3)]
    later = make_opportunity(starts_at=utcnow() + timedelta(days=20), facilitators=[facilitator])
    tickets = [
        make_registration(today[0], person, needs="Wheelchair seating").ticket,
        make_registration(today[1], person, status="waitlisted", waitlist_position=1).ticket,
        make_registration(today[2], person, status="cancelled").ticket,
        make_registration(later, person).ticket,
    ]
    kept = make_registration(today[0], other).ticket
    token = create_api_token(facilitator, ["checkin"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = []
    for i, (opp, ticket) in enumerate(zip([*today, later], tickets, strict=True)):
        body = {"session_id": opp.sessions[0].id, "ticket": ticket, "nonce": f"door-{i}"}
        statuses.append(client.post("/api/v1/checkins", json=body, headers=headers).get_json()["status"])
    body = {"session_id": today[0].sessions[0].id, "ticket": kept, "nonce": "door-other"}
    assert client.post("/api/v1/checkins", json=body, headers=headers).get_json()["status"] == "ok"
    assert statuses == ["ok", "waitlisted", "canceled", "not_open"]
    stored = json.dumps([a.answer for a in db.session.scalars(select(ScanAnswer))])
    assert all(secret in stored for secret in SECRETS)  # the answers did hold them
    return {"person": person, "headers": headers}


def test_no_scan_answer_of_any_outcome_keeps_the_erased_persons_data(client, db, scanned):
    erase_person(scanned["person"])
    db.session.commit()
    db.session.expire_all()
    answers = {a.nonce: a.answer for a in db.session.scalars(select(ScanAnswer))}
    stored = json.dumps(answers)
    for secret in SECRETS:
        assert secret not in stored
    for i in range(4):
        assert answers[f"door-{i}"]["person"] == {"name": "Erased", "lea": None, "school": None, "needs": None}
    assert answers["door-other"]["person"]["name"] == "Bob Kept"  # someone else's answer is untouched


def test_an_old_manage_link_lists_nothing_after_erasure(client, db, scanned):
    link = manage_url(scanned["person"].id).removeprefix("http://testserver")
    before = client.get(link)
    assert before.status_code == 200 and "Zelda" in before.get_data(as_text=True)
    erase_person(scanned["person"])
    db.session.commit()
    after = client.get(link)
    text = after.get_data(as_text=True)
    assert after.status_code == 404
    assert "/t/" not in text and "Erased" not in text and "Opportunity" not in text
