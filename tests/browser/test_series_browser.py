"""Running a series in Chromium: the repeat rule fills the session rows at once (the script asks the server, the
page does not reload), they are saved with the right UTC times across the clock change; Duplicate makes a draft
copy and opens its form. axe-core's WCAG 2.1 A/AA rules run on the form with a filled repeat rule."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from csi_events.localtime import local_to_utc, local_today, to_local
from csi_events.opportunities.models import LearningOpportunity
from tests.browser.test_accessibility import _auditor, axe_source  # noqa: F401  (axe_source is a fixture)
from tests.factories import make_opportunity, make_user

pytestmark = pytest.mark.browser


def _monday_before_fall_back() -> date:
    nov1 = date(local_today().year + 1, 11, 1)
    fall_back = nov1 + timedelta(days=(6 - nov1.weekday()) % 7)  # first Sunday of November
    return fall_back - timedelta(days=13)


def test_repeat_weekly_four_times_fills_four_rows_and_saves_them(launch, live_server, db, axe_source):  # noqa: F811
    base_url, _app = live_server
    staff = make_user("staff")
    db.session.commit()
    audit = _auditor(launch, axe_source, base_url, staff.email)
    page = audit.page
    page.goto(f"{base_url}/staff/opportunities/new")
    first = _monday_before_fall_back()
    page.fill("#title", "Coaching circle")
    page.select_option("#modality", "in_person")
    page.fill("#sessions-0-day", first.isoformat())
    page.fill("#sessions-0-start_time", "09:00")
    page.fill("#sessions-0-end_time", "10:30")
    page.fill("#sessions-0-venue", "Compton Center, Room 4")
    page.select_option("#repeat_frequency", "weekly")
    page.fill("#repeat_count", "4")
    page.evaluate("window.notReloaded = true")
    page.click("[data-fill-sessions]")
    page.wait_for_selector("[data-fill-status]:has-text('4 sessions are filled in')")
    assert page.evaluate("window.notReloaded === true")  # filled in place by the script
    days = page.eval_on_selector_all("[data-session-list] input[type=date]", "els => els.map(e => e.value)")
    assert [d for d in days if d] == [(first + timedelta(days=7 * i)).isoformat() for i in range(4)]
    venues = page.eval_on_selector_all("[name$='-venue']", "els => els.map(e => e.value).filter(Boolean)")
    assert venues == ["Compton Center, Room 4"] * 4
    audit.check("opportunity form with a filled repeat rule")
    page.fill("#sessions-3-venue", "Library, Room 2")  # each filled row stays editable
    with page.expect_navigation(url="**/edit"):
        page.click(".form-actions button[name=save] >> nth=0")
    audit.assert_clean()
    db.session.expire_all()
    opp = db.session.scalar(select(LearningOpportunity).where(LearningOpportunity.title == "Coaching circle"))
    assert opp.status == "draft"
    assert [s.starts_at for s in opp.sessions] == [
        local_to_utc(first + timedelta(days=7 * i), time(9, 0)) for i in range(4)
    ]
    assert [s.starts_at.hour for s in opp.sessions] == [16, 16, 17, 17]  # 9:00 AM before and after the change
    assert [s.venue for s in opp.sessions][-1] == "Library, Room 2"


def test_duplicate_opens_the_form_of_a_draft_copy(launch, live_server, db):
    base_url, _app = live_server
    staff = make_user("staff")
    opp = make_opportunity(title="Office hours", sessions=2)
    db.session.commit()
    from tests.browser.conftest import sign_in
    from tests.factories import DEFAULT_PASSWORD

    page = launch().new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, base_url, staff.email, DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/opportunities/{opp.id}/edit")
    new_first = local_today() + timedelta(days=21)
    page.fill("#first_day", new_first.isoformat())
    with page.expect_navigation(url="**/edit"):
        page.click("text=Duplicate as a draft")
    assert "is a draft copy" in page.inner_text("main")
    assert page.input_value("#title") == "Office hours (copy)"
    db.session.expire_all()
    copy = db.session.scalar(select(LearningOpportunity).where(LearningOpportunity.title == "Office hours (copy)"))
    assert page.url.endswith(f"/staff/opportunities/{copy.id}/edit")
    assert copy.status == "draft" and len(copy.sessions) == 2
    assert to_local(copy.sessions[0].starts_at).date() == new_first
