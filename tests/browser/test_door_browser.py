"""The door in a real browser: the kiosk scans a ticket from the camera and greets by first name, queues a scan
while the network is down and sends it once it is back; and the door pages pass axe-core's WCAG 2.1 A/AA rules
(the same audit as tests/browser/test_accessibility.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.door.kiosk import open_kiosk
from tests.browser.accessibility_audit import Auditor
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import axe_source  # noqa: F401  (the fixture)
from tests.browser.test_checkin_browser import _qr_y4m
from tests.factories import DEFAULT_PASSWORD, make_lea, make_opportunity, make_person, make_registration, make_user

pytestmark = pytest.mark.browser
TIMEOUT = 15000


@pytest.fixture
def door(db):
    facilitator = make_user("facilitator", display_name="Front Door")
    opp = make_opportunity(
        title="Spring Convening", starts_at=utcnow() + timedelta(minutes=20), facilitators=[facilitator]
    )
    lea = make_lea(name="Compton Unified")
    reg = make_registration(opp, make_person(first_name="Maya", last_name="Lopez", lea=lea))
    make_registration(opp, make_person(first_name="Noor", last_name="Absent", lea=lea))
    session = opp.sessions[0]
    _link, token = open_kiosk(session, facilitator)
    db.session.commit()
    return {
        "email": facilitator.email,
        "session_id": session.id,
        "opp_id": opp.id,
        "ticket": reg.ticket,
        "kiosk": token,
    }


def _checkins(db, session_id):
    db.session.expire_all()
    return db.session.scalars(select(CheckIn).where(CheckIn.session_id == session_id)).all()


def _kiosk(browser, base_url, door):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(f"{base_url}/kiosk/{door['kiosk']}")
    page.wait_for_selector("#kiosk[data-ready='1']")
    return context, page


def test_kiosk_camera_scan_welcomes_by_first_name(launch, live_server, door, db, tmp_path):
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
    context, page = _kiosk(browser, base_url, door)
    page.click("#kiosk-camera")
    page.wait_for_selector("#kiosk-answer.ok")
    assert page.inner_text("#kiosk-answer") == "Welcome, Maya!"
    assert "Lopez" not in page.content() and "Compton" not in page.content()
    rows = _checkins(db, door["session_id"])
    assert len(rows) == 1 and rows[0].method == "kiosk"
    context.close()


def test_kiosk_queues_a_scan_offline_and_sends_it_once_back_online(launch, live_server, door, db):
    base_url, _ = live_server
    context, page = _kiosk(launch(), base_url, door)
    context.set_offline(True)
    page.fill("#kiosk-input", door["ticket"])
    page.press("#kiosk-input", "Enter")
    page.wait_for_function("() => document.getElementById('kiosk-status').textContent.includes('1')")
    assert "saved" in page.inner_text("#kiosk-answer")
    assert _checkins(db, door["session_id"]) == []
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('kiosk-status').textContent === ''")
    rows = _checkins(db, door["session_id"])
    assert len(rows) == 1 and rows[0].method == "kiosk" and rows[0].scanned_at is not None
    context.close()


def test_door_pages_are_accessible(launch, live_server, door, axe_source):  # noqa: F811
    base_url, _ = live_server
    context = launch().new_context(bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    audit = Auditor(page, axe_source)
    audit.visit(base_url, f"/kiosk/{door['kiosk']}", "kiosk")
    sign_in(page, base_url, door["email"], DEFAULT_PASSWORD)
    sid = door["session_id"]
    audit.visit(base_url, f"/staff/door/opportunities/{door['opp_id']}", "door: opportunity")
    audit.visit(base_url, f"/staff/door/sessions/{sid}", "door: session")
    audit.visit(base_url, f"/staff/door/sessions/{sid}/paper", "paper check-in")
    page.fill("#w-rows-0-first_name", "Only a first name")
    page.click("text=Record the walk-ins")
    audit.check("paper check-in with errors")
    audit.visit(base_url, f"/staff/door/sessions/{sid}/no-shows", "no-shows")
    audit.visit(base_url, f"/staff/door/sessions/{sid}/message", "group message")
    page.fill("#subject", "Parking")
    page.fill("#body", "Use the north lot.")
    page.click("button[value='preview']")
    audit.check("group message preview")
    audit.visit(base_url, f"/staff/door/sessions/{sid}", "door: session again")
    page.click("text=Open a kiosk")
    audit.check("kiosk opened")
    assert re.search(r"/kiosk/[A-Za-z0-9_-]{40,}", page.content())
    audit.assert_clean()
    context.close()
