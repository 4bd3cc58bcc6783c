"""GET /metrics: counters of check-ins and sign-ups by status, request latency per endpoint, the database figures
read at scrape time; served to loopback or to a token with the `metrics` scope, 403 for anyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from csi_events import create_app
from csi_events.auth.services import create_api_token
from csi_events.db import utcnow
from csi_events.outbox import OutboxMessage
from tests.factories import make_opportunity, make_person, make_registration, make_user

REMOTE = {"REMOTE_ADDR": "203.0.113.7"}  # an address that is not this machine


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def scan_world(db):
    facilitator = make_user("facilitator")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=15), facilitators=[facilitator], capacity=1)
    reg = make_registration(opp, make_person())
    db.session.commit()
    token = create_api_token(facilitator, ["checkin"])
    db.session.commit()
    return {"opp": opp, "session_id": opp.sessions[0].id, "ticket": reg.ticket, "token": token}


def _sign_up(client, opportunity_id: int, email: str):
    body = {"first_name": "Ana", "last_name": "Metrics", "email": email, "role": "teacher"}
    return client.post(f"/api/v1/opportunities/{opportunity_id}/registrations", json=body)


def test_scrape_counts_checkins_and_signups_by_status(client, db, scan_world):
    before = scrape(client)
    headers = {"Authorization": f"Bearer {scan_world['token']}"}
    body = {"session_id": scan_world["session_id"], "ticket": scan_world["ticket"], "nonce": "m-1"}
    assert client.post("/api/v1/checkins", json=body, headers=headers).get_json()["status"] == "ok"
    assert client.post("/api/v1/checkins", json=body, headers=headers).status_code == 200  # the same nonce
    again = {**body, "nonce": "m-2"}
    assert client.post("/api/v1/checkins", json=again, headers=headers).get_json()["status"] == "already_checked_in"
    # The only seat is taken (capacity 1): the next sign-up waits.
    assert _sign_up(client, scan_world["opp"].id, "wait@example.org").status_code == 202
    assert _sign_up(client, scan_world["opp"].id, "wait@example.org").status_code == 202
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("csi_events_checkins_total", status="ok") == 1
    assert delta("csi_events_checkins_total", status="replayed") == 1
    assert delta("csi_events_checkins_total", status="already_checked_in") == 1
    assert delta("csi_events_signups_total", status="waitlisted") == 1
    assert delta("csi_events_signups_total", status="already_registered") == 1
    assert delta("csi_events_signups_total", status="confirmed") == 0
    # Latency per Flask endpoint, never per raw path (no ids or tickets in the labels).
    assert delta("csi_events_request_duration_seconds_count", endpoint="api.checkin_create_checkin", method="POST") == 3
    assert not [key for key in after if any("/" in str(label_value) for _n, label_value in key[1])]


def test_a_rolled_back_checkin_is_not_counted(client, db, scan_world):
    from csi_events.checkin.scan import check_in
    from csi_events.opportunities.models import Session

    before = scrape(client)
    check_in(db.session.get(Session, scan_world["session_id"]), scan_world["ticket"], None, None, method="qr")
    db.session.rollback()
    after = scrape(client)
    assert value(after, "csi_events_checkins_total", status="ok") == value(
        before, "csi_events_checkins_total", status="ok"
    )


def test_database_figures_are_read_at_scrape_time(client, db):
    now = utcnow()
    db.session.add_all(
        [
            OutboxMessage(kind="test", payload={}, created_at=now - timedelta(minutes=5)),
            OutboxMessage(kind="test", payload={}, created_at=now, attempts=1, last_error="SMTP down"),
            OutboxMessage(kind="test", payload={}, created_at=now, attempts=5, last_error="SMTP down"),
            OutboxMessage(kind="test", payload={}, created_at=now - timedelta(hours=1), sent_at=now),
        ]
    )
    person = make_person()
    db.session.commit()
    db.session.execute(text("DELETE FROM report_dirty_people"))
    db.session.execute(text("INSERT INTO report_dirty_people (person_id) VALUES (:p)"), {"p": person.id})
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "csi_events_metrics_database_up") == 1
    assert value(samples, "csi_events_outbox_backlog") == 2
    assert value(samples, "csi_events_outbox_failing") == 1
    assert value(samples, "csi_events_outbox_given_up") == 1
    assert 290 <= value(samples, "csi_events_outbox_oldest_unsent_age_seconds") < 3600
    assert value(samples, "csi_events_report_rollup_backlog") == 1


def test_another_address_without_a_token_gets_403(client, db):
    response = client.get("/metrics", environ_base=REMOTE)
    assert response.status_code == 403
    assert "csi_events_" not in response.get_data(as_text=True)


def test_another_address_with_a_metrics_token(client, db):
    staff, facilitator = make_user("staff"), make_user("facilitator")
    db.session.commit()
    with_scope = create_api_token(staff, ["metrics"])
    without_scope = create_api_token(staff, ["read"])
    facilitators = create_api_token(facilitator, ["metrics"])  # beyond the role: no effect
    db.session.commit()

    def status(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return client.get("/metrics", environ_base=REMOTE, headers=headers).status_code

    assert status(with_scope) == 200
    assert status(without_scope) == 403
    assert status(facilitators) == 403
    assert status("not-a-token") == 403


def test_behind_the_proxy_the_forwarded_client_decides(database_url):
    proxied = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url, "PROXY_FIX_HOPS": 1}
    )
    client = proxied.test_client()
    forwarded = {"X-Forwarded-For": "198.51.100.4"}
    assert client.get("/metrics", headers=forwarded).status_code == 403  # the proxy runs here; the client does not
    assert client.get("/metrics").status_code == 200  # a scrape on this machine, not through the proxy
