"""What a scan may tell, and to whom (docs/security.md): a nonce's stored answer only on its own session; nonces the
server would make cannot be claimed through the API; a walk-in by a known e-mail shows only what was typed; a
ticket of another opportunity names that opportunity and nothing about its holder. On both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.attendance.zoom import admit
from csi_events.checkin.models import CheckIn, ScanAnswer
from csi_events.db import utcnow
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user
from tests.test_checkin_api import bearer, post_checkin

PRIVATE = ("Okonkwo", "Pomona Unified", "Lincoln Elementary", "Sign language interpreter")


@pytest.fixture
def world(db):
    ours = make_user("facilitator", display_name="Our Door")
    theirs = make_user("facilitator", display_name="Their Door")
    start = utcnow() + timedelta(minutes=15)
    opp = make_opportunity(title="Family Engagement 101", starts_at=start, facilitators=[ours])
    other = make_opportunity(title="Restorative Circles", starts_at=start, facilitators=[theirs])
    lea = make_lea(name="Pomona Unified")
    school = make_school(lea=lea, name="Lincoln Elementary")
    person = make_person(
        "ada@example.org", first_name="Ada", last_name="Okonkwo", lea=lea, school=school, needs=PRIVATE[3]
    )
    reg = make_registration(opp, person)
    db.session.commit()
    return {
        "ours": ours,
        "theirs": theirs,
        "session": opp.sessions[0],
        "other_session": other.sessions[0],
        "other_opp": other,
        "person": person,
        "reg": reg,
    }


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def shows_nothing_private(response) -> bool:
    text = response.get_data(as_text=True)
    return not any(word in text for word in PRIVATE)


def test_a_nonce_used_on_another_session_is_a_409_that_reveals_and_stores_nothing(client, db, world):
    body = {"session_id": world["session"].id, "ticket": world["reg"].ticket, "nonce": "shared-1"}
    first = post_checkin(client, bearer(db, world["ours"]), **body)
    assert first.status_code == 200 and first.get_json()["person"]["name"] == "Ada Okonkwo"
    answers, checkins = count(db, ScanAnswer), count(db, CheckIn)

    # Another opportunity's facilitator, on their own session, with the same nonce.
    theirs = post_checkin(client, bearer(db, world["theirs"]), **{**body, "session_id": world["other_session"].id})
    assert theirs.status_code == 409 and theirs.get_json()["error"]["code"] == "nonce_reused"
    assert shows_nothing_private(theirs)
    # Staff may check in everywhere, and still get the first answer only on the first answer's session.
    staff = bearer(db, make_user("staff"))
    elsewhere = post_checkin(client, staff, **{**body, "session_id": world["other_session"].id})
    assert elsewhere.status_code == 409 and shows_nothing_private(elsewhere)
    assert (count(db, ScanAnswer), count(db, CheckIn)) == (answers, checkins)

    # On its own session the replay is the first answer, for anyone entitled to that session.
    assert post_checkin(client, staff, **body).get_json() == first.get_json()
    stranger = post_checkin(client, bearer(db, world["theirs"]), **body)
    assert stranger.status_code == 403 and shows_nothing_private(stranger)


def test_import_nonces_cannot_be_claimed_through_the_api(client, db, world):
    """A facilitator sending the nonce an import once used (`zoom-{session}-{person}`) cannot make that import skip
    the person: imports check people in without client nonces."""
    session, person = world["session"], world["person"]
    claimed = post_checkin(
        client,
        bearer(db, world["ours"]),
        session_id=session.id,
        ticket="not-a-ticket",
        nonce=f"zoom-{session.id}-{person.id}",
    )
    assert claimed.get_json()["status"] == "invalid"
    outcome = admit(session, person, 45, make_user("staff"))
    db.session.commit()
    assert outcome == ("checked_in", None)
    assert count(db, CheckIn, CheckIn.person_id == person.id, CheckIn.method == "import") == 1


def test_a_walk_in_with_a_known_email_shows_only_what_was_typed(client, db, world):
    url = f"/api/v1/sessions/{world['session'].id}/walk-ins"
    typed = {"first_name": "A.", "last_name": "O.", "email": "ADA@example.org"}
    response = client.post(url, json=typed, headers=bearer(db, world["ours"]))
    assert response.status_code == 201, response.get_json()  # already registered: checked in now
    answer = response.get_json()
    assert answer["status"] == "ok"
    assert answer["person"] == {"name": "A. O.", "lea": None, "school": None, "needs": None}
    assert answer["registration"]["matched_existing_person"] is True
    assert "matched an existing person" in answer["message"]
    assert shows_nothing_private(response)

    fresh = client.post(
        url,
        json={"first_name": "New", "last_name": "Comer", "email": "new@example.org"},
        headers=bearer(db, world["ours"]),
    )
    assert fresh.status_code == 201 and fresh.get_json()["registration"]["matched_existing_person"] is False
    assert "message" not in fresh.get_json()


@pytest.mark.parametrize("status", ["confirmed", "waitlisted", "cancelled"])
def test_a_ticket_of_another_opportunity_names_it_and_nothing_about_its_holder(client, db, world, status):
    elsewhere = make_registration(world["other_opp"], world["person"], status=status, needs="Quiet room")
    db.session.commit()
    body = {"session_id": world["session"].id, "ticket": elsewhere.ticket, "nonce": f"w-{status}"}
    response = post_checkin(client, bearer(db, world["ours"]), **body)
    answer = response.get_json()
    assert response.status_code == 200 and answer["person"] is None
    assert shows_nothing_private(response) and "Quiet room" not in response.get_data(as_text=True)
    if status == "cancelled":  # the rules' order: a cancelled registration is "canceled" wherever it is
        assert answer["status"] == "canceled"
    else:
        assert answer["status"] == "wrong_session"
        assert answer["message"] == "Ticket for another learning opportunity: Restorative Circles"
    stored = db.session.scalar(select(ScanAnswer.answer).where(ScanAnswer.nonce == body["nonce"]))
    assert stored == answer
