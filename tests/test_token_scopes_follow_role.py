"""Issue 12 item 3: a token's effective scopes are its scopes limited by its owner's current role (a disabled
owner: none), on every call, the per-process token cache included (docs/security.md, "Tokens and links")."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from csi_events.api import auth as api_auth
from csi_events.auth.models import User
from csi_events.auth.services import create_api_token, set_role
from csi_events.db import commit
from tests.factories import make_opportunity, make_person, make_registration, make_user


@pytest.fixture
def demoted(db):
    """A staff member with a read/write/checkin token, an opportunity they do not facilitate, and an admin."""
    staff = make_user("staff")
    admin = make_user("admin")
    opp = make_opportunity(title="Someone else's workshop")
    person = make_person(first_name="Ada", last_name="Private")
    make_registration(opp, person)
    token = create_api_token(staff, ["read", "write", "checkin"])
    db.session.commit()
    api_auth.clear_token_cache()
    yield {
        "staff": staff,
        "admin": admin,
        "opp": opp,
        "person": person,
        "headers": {"Authorization": f"Bearer {token}"},
    }
    api_auth.clear_token_cache()


def calls(client, fx):
    """(status of a person export, of another opportunity's roster, of an opportunity edit)."""
    h = fx["headers"]
    export = client.get(f"/api/v1/people/{fx['person'].id}/export", headers=h)
    roster = client.get(f"/api/v1/opportunities/{fx['opp'].id}/registrations", headers=h)
    edit = client.patch(f"/api/v1/opportunities/{fx['opp'].id}", json={"title": "Hijacked"}, headers=h)
    return export.status_code, roster.status_code, edit.status_code


def test_a_demoted_staff_members_token_loses_read_and_write_at_once(client, db, demoted):
    assert calls(client, demoted) == (200, 200, 200)  # cached now
    set_role(db.session.get(User, demoted["staff"].id), "facilitator", by=demoted["admin"])
    commit(db.session)
    export, roster, edit = calls(client, demoted)
    assert (export, roster, edit) == (403, 403, 403)
    db.session.expire_all()
    assert demoted["opp"].title == "Hijacked"  # the edit before the demotion, not after
    # The check-in scope stays: a facilitator may check in.
    assert api_auth.effective_scopes({"read", "write", "checkin"}, "facilitator", True) == {"checkin"}


def test_a_token_created_with_more_than_the_role_allows_is_limited_to_the_role(client, db):
    facilitator = make_user("facilitator")
    opp = make_opportunity()
    token = create_api_token(facilitator, ["read", "write", "checkin"])
    db.session.commit()
    api_auth.clear_token_cache()
    h = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/opportunities/{opp.id}/registrations", headers=h).status_code == 403
    assert client.patch(f"/api/v1/opportunities/{opp.id}", json={"title": "x"}, headers=h).status_code == 403


def test_a_role_change_in_another_process_applies_within_the_cache_delay(client, db, demoted, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(api_auth.time, "monotonic", lambda: clock[0])
    assert calls(client, demoted)[0] == 200
    # What another process does: a plain UPDATE, no ORM event in this process.
    db.session.execute(update(User).where(User.id == demoted["staff"].id).values(role="facilitator"))
    db.session.commit()
    clock[0] += api_auth.current_app.config.get("API_TOKEN_CACHE_SECONDS", 5) + 1
    assert calls(client, demoted) == (403, 403, 403)


def test_a_disabled_owner_in_another_process_is_refused_within_the_cache_delay(client, db, demoted, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(api_auth.time, "monotonic", lambda: clock[0])
    assert calls(client, demoted)[0] == 200
    db.session.execute(update(User).where(User.id == demoted["staff"].id).values(active=False))
    db.session.commit()
    clock[0] += 6
    export = client.get(f"/api/v1/people/{demoted['person'].id}/export", headers=demoted["headers"])
    assert export.status_code == 401


def test_a_lookup_between_the_change_and_its_commit_does_not_keep_the_old_role(client, db, demoted):
    """The cache is emptied again at commit: what a request cached before the commit is not kept."""
    user = db.session.get(User, demoted["staff"].id)
    user.role = "facilitator"  # not committed yet: another request would still read "staff"
    api_auth._token_cache["stale"] = api_auth.TokenIdentity(
        1, user.id, "staff", "x", frozenset({"read"}), None, None, float("inf")
    )
    commit(db.session)
    assert "stale" not in api_auth._token_cache
    assert calls(client, demoted) == (403, 403, 403)
