"""The per-process bearer-token cache of the API (api/auth.py): a token is looked up once per
API_TOKEN_CACHE_SECONDS; revocation, expiry and disabling still end access (at once in this process, within
the TTL from another process)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from csi_events.api import auth as api_auth
from csi_events.auth.models import ApiToken, User
from csi_events.auth.services import create_api_token, hash_token, revoke_api_token
from csi_events.checkin.models import CheckIn
from csi_events.db import commit, utcnow
from tests.factories import make_opportunity, make_person, make_registration, make_user


@pytest.fixture
def door(db):
    facilitator = make_user("facilitator", display_name="Door Keeper")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=15), facilitators=[facilitator])
    regs = [make_registration(opp, make_person(first_name=f"P{i}", last_name="Q")) for i in range(4)]
    token = create_api_token(facilitator, ["checkin"])
    db.session.commit()
    api_auth.clear_token_cache()
    yield {"user": facilitator, "session": opp.sessions[0], "regs": regs, "token": token}
    api_auth.clear_token_cache()


def scan(client, door, i, nonce):
    body = {"session_id": door["session"].id, "ticket": door["regs"][i].ticket, "nonce": nonce}
    return client.post("/api/v1/checkins", json=body, headers={"Authorization": f"Bearer {door['token']}"})


def revoke_from_elsewhere(db, token):
    """What another process (a CLI, another worker) does: a plain UPDATE, no ORM event in this process."""
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(token)).values(revoked_at=utcnow()))
    db.session.commit()


def test_revoked_elsewhere_ends_access_within_the_ttl(client, db, door, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(api_auth.time, "monotonic", lambda: clock[0])
    assert scan(client, door, 0, "n-1").get_json()["status"] == "ok"
    revoke_from_elsewhere(db, door["token"])
    clock[0] += 2  # within the TTL (5 s): the cached token still answers, and the scan is recorded as usual
    answer = scan(client, door, 1, "n-2")
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.registration_id == door["regs"][1].id))
    assert checkin.by_user_id == door["user"].id and answer.get_json()["checkin"]["by"] == "Door Keeper"
    clock[0] += 4  # past the TTL: looked up again, refused
    refused = scan(client, door, 2, "n-3")
    assert refused.status_code == 401
    assert db.session.scalar(select(CheckIn).where(CheckIn.registration_id == door["regs"][2].id)) is None


def test_revocation_in_this_process_ends_access_at_once(client, db, door):
    assert scan(client, door, 0, "n-1").status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(door["token"])))
    revoke_api_token(row)
    commit(db.session)
    assert scan(client, door, 1, "n-2").status_code == 401


def test_disabled_user_is_refused_at_once(client, db, door):
    assert scan(client, door, 0, "n-1").status_code == 200
    user = db.session.get(User, door["user"].id)
    user.active = False
    commit(db.session)
    assert scan(client, door, 1, "n-2").status_code == 401


def test_expiry_is_checked_on_every_call(client, db, door, monkeypatch):
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(door["token"])))
    row.expires_at = utcnow() + timedelta(minutes=5)
    commit(db.session)
    assert scan(client, door, 0, "n-1").status_code == 200
    later = utcnow() + timedelta(minutes=6)
    monkeypatch.setattr(api_auth, "utcnow", lambda: later)
    assert scan(client, door, 1, "n-2").status_code == 401


def test_cache_off_looks_up_every_call(app, client, db, door):
    app.config["API_TOKEN_CACHE_SECONDS"] = 0
    assert scan(client, door, 0, "n-1").status_code == 200
    revoke_from_elsewhere(db, door["token"])
    assert scan(client, door, 1, "n-2").status_code == 401


def test_last_used_is_still_written_from_the_cache(client, db, door, monkeypatch):
    assert scan(client, door, 0, "n-1").status_code == 200
    token_row = select(ApiToken.last_used_at).where(ApiToken.token_hash == hash_token(door["token"]))
    first_use = db.session.scalar(token_row)
    assert first_use is not None
    later = utcnow() + timedelta(minutes=2)
    monkeypatch.setattr(api_auth, "utcnow", lambda: later)
    assert scan(client, door, 1, "n-2").status_code == 200  # served from the cache (within its TTL)
    db.session.expire_all()
    assert db.session.scalar(token_row) == later
