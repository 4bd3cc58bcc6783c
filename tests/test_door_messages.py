"""No-shows (page, CSV/XLSX export, API) and group messages: preview, sent through the outbox to each person in
their language where a translation is given, recorded in the audit trail, rate-limited, and once per person even
when the form is sent twice (one after the other, or at the same moment)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from csi_events import create_app
from csi_events.checkin.undo import undo
from csi_events.db import commit, utcnow
from csi_events.door import paper
from csi_events.door.messages import Audience, Draft, Text, send_group_message
from csi_events.models import AuditEvent, GroupMessage, GroupMessageRecipient, OutboxMessage
from tests.concurrency import run_concurrently
from tests.factories import make_opportunity, make_person, make_registration, make_user
from tests.smtp_server import smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _world():
    facilitator = make_user("facilitator")
    opp = make_opportunity(title="Family Nights", starts_at=utcnow() - timedelta(days=1), facilitators=[facilitator])
    session = opp.sessions[0]
    came = make_registration(opp, make_person(first_name="Ana", last_name="Came", email="ana@example.org"))
    absent = make_registration(
        opp, make_person(first_name="Luis", last_name="Absent", email="luis@example.org", preferred_language="es")
    )
    undone = make_registration(opp, make_person(first_name="Uma", last_name="Undone", email="uma@example.org"))
    waiting = make_registration(
        opp, make_person(first_name="Wes", last_name="Waiting", email="wes@example.org"), status="waitlisted"
    )
    paper.mark_present(session, [came.id, undone.id], facilitator)
    from csi_events.models import CheckIn

    undo(db_get_checkin(CheckIn, undone.id), facilitator)
    return facilitator, opp, session, came, absent, undone, waiting


def db_get_checkin(model, registration_id):
    from csi_events.extensions import db

    return db.session.scalar(select(model).where(model.registration_id == registration_id))


def test_no_shows_page_export_and_api(app, db, client, login):
    facilitator, opp, session, came, absent, undone, waiting = _world()
    from csi_events.auth.services import create_api_token

    token = create_api_token(facilitator, ["checkin"])
    db.session.commit()
    login(facilitator)
    html = client.get(f"/staff/door/sessions/{session.id}/no-shows").get_data(as_text=True)
    assert "Luis Absent" in html and "Uma Undone" in html
    assert "Ana Came" not in html and "Wes Waiting" not in html
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/staff/door/sessions/{session.id}/no-shows.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert [r[2] for r in rows[1:]] == ["Absent", "Undone"]
    workbook = load_workbook(io.BytesIO(client.get(f"/staff/door/sessions/{session.id}/no-shows.xlsx").data))
    sheet = workbook.active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Absent", "Undone"]
    assert client.get(f"/staff/door/sessions/{session.id}/no-shows.pdf").status_code == 404
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "no_shows_exported"))
        == 2
    )
    client.post("/auth/logout")
    body = client.get(
        f"/api/v1/sessions/{session.id}/no-shows", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert [item["registration_id"] for item in body["items"]] == [absent.id, undone.id]
    assert body["items"][0]["email"] == "luis@example.org"


def _form(key="k" * 24, **extra):
    return {
        "idempotency_key": key,
        "audience": "no_shows",
        "subject": "We missed you",
        "body": "Slides are attached.\n\nSee you next time.",
        "subject_es": "Le extrañamos",
        "body_es": "Adjuntamos las diapositivas.",
        "action": "send",
        **extra,
    }


def test_preview_then_send_in_each_persons_language(app, db, client, login, smtp):
    facilitator, opp, session, came, absent, undone, waiting = _world()
    db.session.commit()
    login(facilitator)
    page = client.get(f"/staff/door/sessions/{session.id}/message?audience=no_shows").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    assert re.search(r'<input checked[^>]*value="no_shows"', page)
    preview = client.post(f"/staff/door/sessions/{session.id}/message", data=_form(key, action="preview"))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "It goes to 2 people." in html and "1 of them get the Spanish text." in html
    assert "Luis Absent" in html and "Ana Came" not in html
    assert smtp.received == [] and db.session.scalar(select(GroupMessage)) is None
    sent = client.post(f"/staff/door/sessions/{session.id}/message", data=_form(key))
    assert sent.status_code == 303
    luis, uma = smtp.to("luis@example.org"), smtp.to("uma@example.org")
    assert len(luis) == 1 and len(uma) == 1 and len(smtp.received) == 2
    assert luis[0]["Subject"] == "Le extrañamos" and "Adjuntamos las diapositivas." in text_of(luis[0])
    assert "Hola, Luis:" in text_of(luis[0])
    assert uma[0]["Subject"] == "We missed you" and "See you next time." in text_of(uma[0])
    assert "Hello Uma," in text_of(uma[0])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "group_message_sent"))
    assert event.actor_user_id == facilitator.id and event.details["recipients"] == 2


def test_sending_the_same_form_twice_sends_once_per_person(app, db, client, login, smtp):
    facilitator, opp, session, *_rest = _world()
    db.session.commit()
    login(facilitator)
    url = f"/staff/door/opportunities/{opp.id}/message"
    form = _form(audience="confirmed")
    first = client.post(url, data=form)
    second = client.post(url, data=form)
    assert first.status_code == second.status_code == 303
    assert "was sent already" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["ana@example.org", "luis@example.org", "uma@example.org"]
    assert db.session.scalar(select(func.count()).select_from(GroupMessage)) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "group_message"))
        == 3
    )


def test_two_sends_at_the_same_moment_send_once(app, db):
    facilitator, opp, session, *_rest = _world()
    db.session.commit()
    opportunity_id, session_id, user_id = opp.id, session.id, facilitator.id

    def work(_i):
        from csi_events.extensions import db as inner
        from csi_events.models import LearningOpportunity, Session, User

        draft = Draft(
            inner.session.get(LearningOpportunity, opportunity_id),
            inner.session.get(Session, session_id),
            Audience.CONFIRMED,
            Text("Same", "Same body"),
        )
        outcome = send_group_message(draft, "double-click-key-0001", inner.session.get(User, user_id))
        commit(inner.session)
        return outcome.created

    results, errors = run_concurrently(app, 2, work)
    assert errors == []
    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(GroupMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(GroupMessageRecipient)) == 3


def test_audiences(app, db):
    facilitator, opp, session, came, absent, undone, waiting = _world()
    from csi_events.door.messages import recipients

    def names(audience, for_session=True):
        draft = Draft(opp, session if for_session else None, audience, Text("s", "b"))
        return [r.name for r in recipients(draft)]

    assert names(Audience.CONFIRMED) == ["Luis Absent", "Ana Came", "Uma Undone"]
    assert names(Audience.WAITLISTED) == ["Wes Waiting"]
    assert names(Audience.ATTENDED) == ["Ana Came"]
    assert names(Audience.NO_SHOWS) == ["Luis Absent", "Uma Undone"]
    assert names(Audience.ATTENDED, for_session=False) == ["Ana Came"]


def test_bad_message_forms_store_nothing(app, db, client, login):
    facilitator, opp, session, *_rest = _world()
    other = make_user("facilitator")
    db.session.commit()
    login(facilitator)
    url = f"/staff/door/sessions/{session.id}/message"
    assert client.post(url, data=_form(subject="")).status_code == 422
    assert client.post(url, data=_form(body_es="")).status_code == 422  # half a translation
    assert client.post(url, data=_form(audience="everyone")).status_code == 422
    assert client.post(url, data=_form(idempotency_key="short")).status_code == 422
    client.post("/auth/logout")
    login(other)
    assert client.post(url, data=_form()).status_code == 403
    assert db.session.scalar(select(GroupMessage)) is None


def test_sending_is_rate_limited(app, db, tmp_path):
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "GROUP_MESSAGE_RATE_LIMIT": "2 per minute",
            "BASE_URL": "http://testserver",
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
        }
    )
    facilitator, opp, session, *_rest = _world()
    db.session.commit()
    browser = limited.test_client()
    from tests.factories import DEFAULT_PASSWORD

    browser.post("/auth/login", data={"email": facilitator.email, "password": DEFAULT_PASSWORD})
    url = f"/staff/door/sessions/{session.id}/message"
    codes = [browser.post(url, data=_form(key=f"key-{n:020d}")).status_code for n in range(3)]
    assert codes == [303, 303, 429]
    # previews do not count
    assert browser.post(url, data=_form(key="key-preview-000000000", action="preview")).status_code in (200, 429)
    assert db.session.scalar(select(func.count()).select_from(GroupMessage)) == 2


def test_the_privacy_export_lists_the_group_messages_a_person_received(app, db, client, login, smtp):
    facilitator, opp, session, came, absent, undone, waiting = _world()
    staff = make_user("staff")
    db.session.commit()
    login(facilitator)
    assert client.post(f"/staff/door/sessions/{session.id}/message", data=_form()).status_code == 303
    client.post("/auth/logout")
    login(staff)
    luis = client.get(f"/staff/people/{absent.person_id}/privacy/export.json").get_json()["group_messages"]
    assert len(luis) == 1 and luis[0]["opportunity"]["title"] == "Family Nights"
    assert (luis[0]["language"], luis[0]["subject"], luis[0]["body"]) == (
        "es",
        "Le extrañamos",
        "Adjuntamos las diapositivas.",
    )
    assert luis[0]["session_id"] == session.id and luis[0]["sent_at"]
    uma = client.get(f"/staff/people/{undone.person_id}/privacy/export.json").get_json()["group_messages"]
    assert [m["subject"] for m in uma] == ["We missed you"]
    ana = client.get(f"/staff/people/{came.person_id}/privacy/export.json").get_json()["group_messages"]
    assert ana == []  # came, so not a no-show: received nothing
