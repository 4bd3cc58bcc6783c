"""The check-in page in a real browser: keyboard wedge, camera (fake device playing a ticket's QR), offline."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select

from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.registrations.qr import qr_png
from tests.browser.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_lea, make_opportunity, make_person, make_registration, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 15000


@pytest.fixture
def door(db):
    """A facilitator, a session whose check-in window is open, and one confirmed registration (committed)."""
    facilitator = make_user("facilitator", display_name="Front Door")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=20), facilitators=[facilitator])
    lea = make_lea(name="Compton Unified")
    person = make_person(first_name="Maya", last_name="Lopez", lea=lea)
    reg = make_registration(opp, person)
    db.session.commit()
    return {"user_email": facilitator.email, "session_id": opp.sessions[0].id, "ticket": reg.ticket}


def _checkins(db, session_id):
    db.session.expire_all()
    return db.session.scalars(select(CheckIn).where(CheckIn.session_id == session_id)).all()


def _open_page(browser, live_server, door, **context_args):
    base_url, _live_app = live_server
    context = browser.new_context(**context_args)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    sign_in(page, base_url, door["user_email"], DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/checkin/sessions/{door['session_id']}")
    page.wait_for_selector("#checkin[data-ready='1']")
    return context, page


def test_keyboard_wedge_scan_checks_in(launch, live_server, door, db):
    base_url, _ = live_server
    # A device set to another time zone still shows times in the app's (Los Angeles).
    context, page = _open_page(launch(), live_server, door, timezone_id="Asia/Tokyo")
    # The scan field has focus: a USB scanner just types the QR's text and Enter.
    assert page.evaluate("document.activeElement.id") == "scan-input"
    page.keyboard.type(f"{base_url}/t/{door['ticket']}")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer[data-status='ok']")
    text = page.inner_text("#answer")
    assert "Checked in" in text and "Maya Lopez" in text and "Compton Unified" in text
    assert page.inner_text("#count-checked-in") == "1"
    rows = _checkins(db, door["session_id"])
    assert len(rows) == 1 and rows[0].method == "qr"
    # The same ticket again (after the page's CSRF token went stale: it fetches a fresh one and retries):
    # amber, already checked in, with the first time and who.
    page.evaluate("() => { document.querySelector('meta[name=csrf-token]').content = 'stale'; }")
    page.keyboard.type(door["ticket"])
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer[data-status='already_checked_in']")
    assert "Front Door" in page.inner_text("#answer")
    assert len(_checkins(db, door["session_id"])) == 1
    first = rows[0].checked_in_at
    la, tokyo = (first.astimezone(ZoneInfo(zone)) for zone in ("America/Los_Angeles", "Asia/Tokyo"))
    shown = page.inner_text("#answer")
    assert f"{la.hour % 12 or 12}:{la.minute:02d}" in shown
    assert f"{tokyo.hour % 12 or 12}:{tokyo.minute:02d}" not in shown
    context.close()


def _qr_y4m(path, text: str, frames: int = 20) -> None:
    """A 640x480 y4m (4:2:0) video of the QR code on white, as Chromium's fake camera plays it."""
    code = Image.open(io.BytesIO(qr_png(text))).convert("L")
    code = code.resize((440, 440), Image.NEAREST)
    frame = Image.new("L", (640, 480), 255)
    frame.paste(code, ((640 - 440) // 2, 20))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    cb, cr = (plane.resize((320, 240)) for plane in (cb, cr))
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(y.tobytes() + cb.tobytes() + cr.tobytes())


def test_camera_decodes_a_ticket_and_checks_in(launch, live_server, door, db, tmp_path):
    base_url, _ = live_server
    video = tmp_path / "ticket.y4m"
    _qr_y4m(video, f"{base_url}/t/{door['ticket']}")
    browser = launch(
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    )
    context, page = _open_page(browser, live_server, door)
    page.click("#camera-toggle")
    page.wait_for_selector("#answer[data-status='ok']")
    assert "Maya Lopez" in page.inner_text("#answer")
    rows = _checkins(db, door["session_id"])
    assert len(rows) == 1 and rows[0].method == "qr"
    context.close()


def test_offline_scan_is_queued_survives_reload_and_syncs_once(launch, live_server, door, db):
    context, page = _open_page(launch(), live_server, door)
    # Set by the page once the service worker controls it and holds the page and its roster.
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.fill("#scan-input", door["ticket"])
    page.press("#scan-input", "Enter")
    page.wait_for_selector("#answer[data-status='ok'][data-offline='1']")
    assert "Offline — will sync" in page.inner_text("#answer")
    assert "Maya Lopez" in page.inner_text("#answer")
    assert _checkins(db, door["session_id"]) == []

    # Reload with no network: the worker serves the page; the queued scan is still there.
    page.reload()
    page.wait_for_selector("#checkin[data-ready='1']")
    assert page.get_attribute("#checkin", "data-queued") == "1"
    assert page.locator("#recent li[data-status='ok'] .offline-badge").count() == 1
    assert _checkins(db, door["session_id"]) == []

    context.set_offline(False)
    page.wait_for_selector("#checkin[data-queued='0']")
    page.wait_for_selector("#answer[data-status='ok'][data-offline='0']")
    rows = _checkins(db, door["session_id"])
    assert len(rows) == 1
    assert rows[0].method == "offline" and rows[0].scanned_at is not None
    context.close()


def test_search_undo_and_walk_in(launch, live_server, door, db):
    context, page = _open_page(launch(), live_server, door)
    page.click("#search-panel summary")  # search and walk-in sit behind disclosures
    page.fill("#search-input", "lopez")
    page.click("#search-results button:has-text('Check in')")
    page.wait_for_selector("#answer[data-status='ok']")
    rows = _checkins(db, door["session_id"])
    assert len(rows) == 1 and rows[0].method == "search"
    page.click("#answer button:has-text('Undo')")
    page.wait_for_selector("#answer[data-status='undone']")
    assert page.inner_text("#count-checked-in") == "0"
    assert _checkins(db, door["session_id"])[0].undone_at is not None

    page.click("#walkin-panel summary")
    page.fill("#walkin-email", "ravi.shah@")
    page.click("#walkin-form button[type=submit]")  # first and last name missing, e-mail unfinished
    page.wait_for_selector("#walkin-first-err")
    for field in ("walkin-first", "walkin-last", "walkin-email"):  # the message next to the field, announced
        assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
        assert f"{field}-err" in page.get_attribute(f"#{field}", "aria-describedby").split()
        assert page.inner_text(f"#{field}-err").strip()
    assert page.locator("#walkin-lea-err").count() == 0
    page.fill("#walkin-first", "Ravi")
    page.fill("#walkin-last", "Shah")
    page.fill("#walkin-email", "ravi.shah@example.org")
    page.select_option("#walkin-role", "community_partner")
    page.click("#walkin-form button[type=submit]")
    page.wait_for_selector("#answer[data-status='ok']")
    assert (
        page.locator("#walkin-form .errors").count() == 0
        and page.get_attribute("#walkin-first", "aria-describedby") is None
    )
    assert "Ravi Shah" in page.inner_text("#answer")
    assert page.inner_text("#count-walk-ins") == "1"
    walk_in = [r for r in _checkins(db, door["session_id"]) if r.method == "walk_in"]
    assert len(walk_in) == 1 and walk_in[0].registration.source == "walk_in"
    context.close()
