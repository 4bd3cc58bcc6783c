"""`flask notify reminders`: one reminder per (confirmed registration, session starting soon), never twice."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from csi_events import links
from csi_events.db import utcnow
from csi_events.notifications.models import SentReminder
from csi_events.notifications.reminders import claim, run_reminders
from tests.factories import make_opportunity, make_person, make_registration
from tests.smtp_server import smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def run_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["notify", "reminders", *args])


def sent_pairs(db) -> set[tuple[int, int]]:
    return set(db.session.execute(select(SentReminder.registration_id, SentReminder.session_id)).tuples())


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def schedule(db):
    """Opportunities around now: which (registration, session) pairs are due within 24 hours."""
    now = utcnow().replace(microsecond=0)
    soon = make_opportunity(title="Soon In Person", starts_at=now + timedelta(hours=3))
    online = make_opportunity(title="Online Tomorrow", modality="virtual", starts_at=now + timedelta(hours=20))
    online.sessions[0].virtual_url = "https://meet.example.org/room-42"
    later = make_opportunity(title="Later", starts_at=now + timedelta(hours=30))
    series = make_opportunity(title="Series", sessions=2, starts_at=now + timedelta(hours=2))
    draft = make_opportunity(title="Draft", status="draft", starts_at=now + timedelta(hours=4))
    started = make_opportunity(title="Started", starts_at=now - timedelta(minutes=30))

    data = {
        "soon": make_registration(soon, make_person(email="soon@example.org")),
        "soon_cancelled": make_registration(soon, make_person(email="gone@example.org"), status="cancelled"),
        "soon_waitlisted": make_registration(
            soon, make_person(email="wait@example.org"), status="waitlisted", waitlist_position=1
        ),
        "online": make_registration(online, make_person(email="online@example.org")),
        "later": make_registration(later, make_person(email="later@example.org")),
        "series": make_registration(series, make_person(email="series@example.org")),
        "draft": make_registration(draft, make_person(email="draft@example.org")),
        "started": make_registration(started, make_person(email="started@example.org")),
    }
    data.update(soon_opp=soon, online_opp=online, later_opp=later, series_opp=series)
    db.session.commit()
    return data


def test_cli_twice_sends_exactly_one_reminder_per_due_session(app, db, smtp, schedule):
    first = run_cli(app)
    assert first.exit_code == 0, first.output
    assert "3 sent" in first.output

    recipients = sorted(r.rcpt_tos[0] for r in smtp.received)
    assert recipients == ["online@example.org", "series@example.org", "soon@example.org"]
    series = schedule["series_opp"]
    assert sent_pairs(db) == {
        (schedule["soon"].id, schedule["soon_opp"].sessions[0].id),
        (schedule["online"].id, schedule["online_opp"].sessions[0].id),
        (schedule["series"].id, series.sessions[0].id),  # the second session is a week away
    }

    second = run_cli(app)
    assert second.exit_code == 0, second.output
    assert "0 due, 0 sent" in second.output
    assert len(smtp.received) == 3


def test_reminder_contents_in_person_and_virtual(app, db, smtp, schedule):
    assert run_cli(app).exit_code == 0

    in_person = smtp.to("soon@example.org")[0]
    assert "Soon In Person" in in_person["Subject"]
    text = text_of(in_person)
    assert "Room 101" in text and "/here/" not in text
    image = next(p for p in in_person.walk() if p.get_content_type() == "image/png")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.get_content())))
    assert decoded[0].text == f"http://testserver/t/{schedule['soon'].ticket}"

    online = smtp.to("online@example.org")[0]
    text = text_of(online)
    assert "https://meet.example.org/room-42" in text
    here = [w for w in text.split() if w.startswith("http://testserver/here/")]
    assert len(here) == 1
    session = schedule["online_opp"].sessions[0]
    assert links.read_token("here", here[0].rsplit("/", 1)[1]) == {"r": schedule["online"].id, "s": session.id}
    html = online.get_body(preferencelist=("html",)).get_content()
    assert f'href="{here[0]}"' in html
    assert not [p for p in online.walk() if p.get_content_type() == "image/png"]  # nothing to scan online


def test_hours_option_widens_the_window(app, db, smtp, schedule):
    assert run_cli(app).exit_code == 0
    wider = run_cli(app, "--hours", "48")
    assert wider.exit_code == 0, wider.output
    assert "1 sent" in wider.output
    assert [r.rcpt_tos for r in smtp.received].count(["later@example.org"]) == 1
    assert run_cli(app, "--hours", "0").exit_code != 0  # refused, not "everything"


def test_a_claim_is_taken_once(app, db, schedule):
    reg = schedule["soon"]
    session_id = schedule["soon_opp"].sessions[0].id
    now = utcnow()
    assert claim(reg.id, session_id, now) is True
    assert claim(reg.id, session_id, now) is False
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 1


def test_overlapping_runs_never_send_twice(app, db, smtp):
    now = utcnow().replace(microsecond=0)
    opp = make_opportunity(capacity=None, starts_at=now + timedelta(hours=5))
    regs = [make_registration(opp, make_person()) for _ in range(12)]
    db.session.commit()

    barrier = threading.Barrier(3)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(run_reminders(utcnow(), 24))
        except Exception as err:  # surfaced by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(r.sent for r in results) == 12
    assert sum(r.failed for r in results) == 0
    rcpts = [r.rcpt_tos[0] for r in smtp.received]
    assert len(rcpts) == 12 and len(set(rcpts)) == 12
    assert sorted(rcpts) == sorted(reg.person.email for reg in regs)
    assert len(sent_pairs(db)) == 12


def test_a_refused_reminder_is_released_and_sent_by_a_later_run(app, db, smtp, schedule):
    smtp.refuse = True
    failed = run_cli(app)
    assert failed.exit_code == 1
    assert "3 failed" in failed.output
    assert smtp.received == []
    assert sent_pairs(db) == set()

    smtp.refuse = False
    again = run_cli(app)
    assert again.exit_code == 0, again.output
    assert "3 sent" in again.output
    assert len(smtp.received) == 3
