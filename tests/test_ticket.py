"""The ticket page /t/<token>: what it shows, its QR code and calendar file, and cancelling from it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import zxingcpp
from icalendar import Calendar
from PIL import Image

from csi_events.models import Registration
from tests.factories import make_opportunity, make_person, make_registration
from tests.test_registration_helpers import record_outbox

START = datetime(2030, 3, 5, 23, 30, tzinfo=UTC)  # 3:30 PM Pacific (standard time)


def test_ticket_page_shows_person_opportunity_local_times_status_and_qr(client, db):
    opp = make_opportunity(title="Restorative Practices Workshop", starts_at=START, sessions=2)
    reg = make_registration(opp, make_person(first_name="Maya", last_name="Chen"), needs="Captions please")
    db.session.commit()

    response = client.get(f"/t/{reg.ticket}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    assert "Maya Chen" in html
    assert "Restorative Practices Workshop" in html
    assert "Mar 5, 2030" in html and "Mar 12, 2030" in html
    assert "3:30" in html and "5:30" in html  # 23:30-01:30 UTC shown in Pacific time
    assert "Confirmed" in html
    assert "<svg" in html and "<path" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f"/t/{reg.ticket}.ics" in html
    assert f"/t/{reg.ticket}/qr.png" in html
    assert f"/t/{reg.ticket}/cancel" in html
    assert "Captions please" in html


def test_waitlisted_and_cancelled_tickets_say_so(client, db):
    opp = make_opportunity()
    waiting = make_registration(opp, status="waitlisted", waitlist_position=3)
    gone = make_registration(opp, status="cancelled")
    db.session.commit()

    html = client.get(f"/t/{waiting.ticket}").get_data(as_text=True)
    assert "Waitlisted: number 3 in line" in html
    html = client.get(f"/t/{gone.ticket}").get_data(as_text=True)
    assert "Cancelled" in html
    assert f"/t/{gone.ticket}/cancel" not in html
    assert "<svg" not in html


def test_unknown_ticket_is_a_404_page(client, db):
    for path in ("/t/not-a-real-ticket", "/t/not-a-real-ticket/qr.png", "/t/not-a-real-ticket.ics"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert "This ticket does not exist" in client.get("/t/nope").get_data(as_text=True)


def test_qr_png_decodes_to_the_ticket_url(client, db):
    reg = make_registration()
    db.session.commit()
    response = client.get(f"/t/{reg.ticket}/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [d.text for d in decoded] == [f"http://testserver/t/{reg.ticket}"]


def test_ics_holds_every_session(client, db):
    opp = make_opportunity(title="Series", starts_at=START, sessions=2, hours=2)
    reg = make_registration(opp)
    db.session.commit()
    response = client.get(f"/t/{reg.ticket}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = Calendar.from_ical(response.data).walk("VEVENT")
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts == [s.starts_at for s in opp.sessions]


def test_cancel_asks_first_then_cancels_and_promotes(client, db, monkeypatch):
    opp = make_opportunity(capacity=1)
    reg = make_registration(opp)
    waiting = make_registration(opp, status="waitlisted", waitlist_position=1)
    db.session.commit()

    confirm = client.get(f"/t/{reg.ticket}/cancel")
    assert confirm.status_code == 200
    assert "Are you sure?" in confirm.get_data(as_text=True)
    assert confirm.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "confirmed"  # GET changes nothing

    sent = record_outbox(monkeypatch)
    response = client.post(f"/t/{reg.ticket}/cancel")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/t/{reg.ticket}")
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "cancelled"
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    assert sent.items == [
        ("registration_cancelled", {"registration_id": reg.id}),
        ("registration_promoted", {"registration_id": waiting.id}),
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your registration is cancelled." in page

    # Twice is harmless: nothing more happens.
    sent.items.clear()
    assert client.post(f"/t/{reg.ticket}/cancel").status_code == 303
    assert sent.items == []
    assert "already cancelled" in client.get(f"/t/{reg.ticket}/cancel").get_data(as_text=True)


def test_cancel_needs_the_csrf_token_when_csrf_is_on(app, client, db):
    reg = make_registration()
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/t/{reg.ticket}/cancel")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "confirmed"
