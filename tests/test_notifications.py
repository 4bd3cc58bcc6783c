"""E-mail: what a real SMTP server receives when people register, wait, get promoted, cancel or ask again."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import icalendar
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from csi_events import links
from csi_events.db import commit, utcnow
from csi_events.registrations.models import Registration
from csi_events.registrations.qr import ticket_url
from csi_events.registrations.services import RegistrationInput, cancel, register
from tests.factories import make_opportunity
from tests.smtp_server import MAIL_KEYS, free_port, smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def person_input(email: str, first: str = "Ana", last: str = "Reyes", **kw) -> RegistrationInput:
    return RegistrationInput(first_name=first, last_name=last, email=email, role="teacher", **kw)


def sign_up(opportunity, email: str, **kw) -> Registration:
    outcome = register(opportunity, person_input(email, **kw))
    commit(db_session())
    return outcome.registration


def db_session():
    from csi_events.extensions import db

    return db.session


def only(messages: list[EmailMessage]) -> EmailMessage:
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def inline_qr(message: EmailMessage) -> str:
    """Decode the inline QR image referenced by the HTML part (independent decoder: zxing-cpp)."""
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    image = images[0]
    assert image.get_content_disposition() == "inline"
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_of(message)
    # multipart/related holds the HTML and the image together
    related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    assert related and any(part is image for part in related[0].iter_parts())
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.get_content())))
    assert len(results) == 1
    return results[0].text


def ics_events(message: EmailMessage) -> list:
    files = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(files) == 1
    assert files[0].get_filename().endswith(".ics")
    calendar = icalendar.Calendar.from_ical(files[0].get_content())
    return list(calendar.walk("VEVENT"))


def test_confirmation_has_qr_inline_ics_attached_and_local_times(app, db, smtp):
    start = (utcnow() + timedelta(days=10)).replace(hour=17, minute=30, second=0, microsecond=0)
    opp = make_opportunity(title="Family Engagement 101", capacity=5, sessions=2, starts_at=start)
    db.session.commit()

    reg = sign_up(opp, "Ana.Reyes@Example.org", needs="ASL interpreter, please")

    received = only(smtp.received)
    assert received.rcpt_tos == ["ana.reyes@example.org"]
    message = received.message
    assert "Family Engagement 101" in message["Subject"]
    assert message["To"].addresses[0].addr_spec == "ana.reyes@example.org"
    assert message["From"]

    assert inline_qr(message) == ticket_url(reg.ticket) == f"http://testserver/t/{reg.ticket}"

    events = ics_events(message)
    sessions = sorted(opp.sessions, key=lambda s: s.starts_at)
    assert sorted((e.decoded("dtstart"), e.decoded("dtend")) for e in events) == [
        (s.starts_at, s.ends_at) for s in sessions
    ]

    text = text_of(message)
    assert f"http://testserver/t/{reg.ticket}" in text
    assert "ASL interpreter, please" in text and "ASL interpreter, please" in html_of(message)
    # both sessions, shown in America/Los_Angeles
    for session in sessions:
        local = session.starts_at.astimezone(ZoneInfo("America/Los_Angeles"))
        assert f"{local.hour % 12 or 12}:{local.minute:02d}" in text
        assert local.strftime("%B") in text
    assert ("PST" in text) or ("PDT" in text)
    assert "17:30" not in text and "5:30" not in text.replace(str(start.year), "")
    # the manage link opens this person's registrations
    manage = [w for w in text.split() if w.startswith("http://testserver/me/")]
    assert manage
    assert links.read_token("manage", manage[0].rsplit("/", 1)[1]) == {"p": reg.person_id}


def test_html_part_escapes_names_and_titles(app, db, smtp):
    opp = make_opportunity(title="<b>Bold</b> & co", capacity=5)
    db.session.commit()

    sign_up(opp, "x@example.org", first="<script>alert(1)</script>")

    message = only(smtp.messages())
    html = html_of(message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html
    assert "<script>alert(1)</script>" in text_of(message)  # plain text stays as typed


def test_waitlisted_then_promoted_when_a_confirmed_person_cancels(app, db, smtp):
    opp = make_opportunity(title="Small Room", capacity=1)
    db.session.commit()
    first = sign_up(opp, "first@example.org")
    second = sign_up(opp, "second@example.org")
    third = sign_up(opp, "third@example.org")

    assert "Small Room" in only(smtp.to("first@example.org"))["Subject"]
    waiting = only(smtp.to("second@example.org"))
    assert "waitlist" in waiting["Subject"].lower()
    assert "1" in waiting["Subject"]
    assert "Your place on the waitlist: 1." in text_of(waiting)
    assert "Your place on the waitlist: 2." in text_of(only(smtp.to("third@example.org")))
    assert not [p for p in waiting.walk() if p.get_content_type() in {"image/png", "text/calendar"}]

    smtp.clear()
    cancel(db.session.get(Registration, first.id))
    commit(db.session)

    cancelled = only(smtp.to("first@example.org"))
    assert "cancelled" in cancelled["Subject"].lower()
    assert "is cancelled" in text_of(cancelled)
    promoted = only(smtp.to("second@example.org"))
    assert "confirmed" in promoted["Subject"].lower()
    assert "a seat opened up" in text_of(promoted).lower()
    assert inline_qr(promoted) == f"http://testserver/t/{second.ticket}"
    assert [e.decoded("dtstart") for e in ics_events(promoted)] == [s.starts_at for s in opp.sessions]
    assert smtp.to("third@example.org") == []  # still waiting, now number 1
    assert len(smtp.received) == 2
    assert db.session.get(Registration, third.id).waitlist_position == 1


def test_registering_again_resends_to_the_registered_address(app, db, smtp):
    opp = make_opportunity(title="Twice", capacity=3)
    db.session.commit()
    reg = sign_up(opp, "again@example.org")
    smtp.clear()

    outcome = register(opp, person_input("  AGAIN@example.org "))
    commit(db.session)

    assert outcome.created is False
    received = only(smtp.received)
    assert received.rcpt_tos == ["again@example.org"]
    message = received.message
    assert "copy" in message["Subject"].lower()
    assert "already registered" in text_of(message)
    assert inline_qr(message) == f"http://testserver/t/{reg.ticket}"
    assert len(ics_events(message)) == 1
    assert db.session.scalar(select(Registration.id).where(Registration.opportunity_id == opp.id)) == reg.id


def test_a_refusing_smtp_server_does_not_lose_the_registration(app, db, smtp, caplog):
    opp = make_opportunity(capacity=3)
    db.session.commit()
    smtp.refuse = True

    with caplog.at_level(logging.ERROR, logger="csi_events.outbox"):
        reg = sign_up(opp, "kept@example.org")

    assert smtp.received == []
    assert "outbox: handler for registration_confirmed failed" in caplog.text
    db.session.expire_all()
    stored = db.session.scalar(select(Registration).where(Registration.id == reg.id))
    assert stored is not None and stored.status == "confirmed"
    assert stored.person.email == "kept@example.org"


def test_an_unreachable_smtp_server_does_not_lose_the_registration(app, db, caplog):
    saved = {key: app.config.get(key) for key in MAIL_KEYS}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    try:
        opp = make_opportunity(capacity=3)
        db.session.commit()
        with caplog.at_level(logging.ERROR, logger="csi_events.outbox"):
            reg = sign_up(opp, "offline@example.org")
    finally:
        app.config.update(saved)
    assert "outbox: handler for registration_confirmed failed" in caplog.text
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "confirmed"


def test_manage_link_message(app, db, smtp):
    from csi_events import outbox
    from tests.factories import make_person

    person = make_person(email="links@example.org", first_name="Lee")
    db.session.commit()
    url = f"http://testserver/me/{links.make_token('manage', {'p': person.id})}"
    outbox.enqueue(db.session, "manage_link", person_id=person.id, url=url)
    commit(db.session)

    received = only(smtp.received)
    assert received.rcpt_tos == ["links@example.org"]
    assert url in text_of(received.message)
    assert f'href="{url}"' in html_of(received.message)


def test_file_backend_writes_a_parseable_eml(app, db):
    from email import policy
    from email.parser import BytesParser
    from pathlib import Path

    from csi_events.notifications.mailer import EML_NAME

    folder = Path(app.config["MAIL_FILE_DIR"])
    before = set(folder.glob("*.eml")) if folder.exists() else set()
    opp = make_opportunity(title="On Disk", capacity=3)
    db.session.commit()
    reg = sign_up(opp, "disk@example.org")

    new = sorted(set(folder.glob("*.eml")) - before)
    assert len(new) == 1
    assert EML_NAME.fullmatch(new[0].name)
    message = BytesParser(policy=policy.default).parsebytes(new[0].read_bytes())
    assert message["To"].addresses[0].addr_spec == "disk@example.org"
    assert "On Disk" in message["Subject"]
    assert message["Message-ID"] and message["Date"]
    assert inline_qr(message) == f"http://testserver/t/{reg.ticket}"
    assert len(ics_events(message)) == 1
    assert not list(folder.glob(".tmp-*"))
