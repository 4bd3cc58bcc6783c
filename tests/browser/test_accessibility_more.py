"""Accessibility, continued (tests/browser/test_accessibility.py has the method): axe-core's WCAG 2.0/2.1 A and AA
rules, at a laptop and a phone size, on the pages that one does not reach from the navigation: "forgot password"
(empty, with an error, link sent), the page of a valid reset link (empty, with errors) and of a used one, the
certificate verification page of a valid and of a revoked certificate, the staff surveys page with surveys sent
and answered, and the staff opportunity form with its repeat rule filled in. tests/browser/test_phone_first_more.py
checks the same pages for sideways scrolling and what must be on a phone's first screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from csi_events.attendance.services import issue_certificate, revoke_certificate
from csi_events.auth.reset import reset_token
from csi_events.localtime import local_today
from tests.browser.test_accessibility import _auditor, axe_source  # noqa: F401  (axe_source is a fixture)
from tests.factories import make_user
from tests.survey_fixture import build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1366x900"])


@pytest.fixture
def unlisted(live_server, db):
    """Surveys sent and answered (tests/survey_fixture.py), a staff account with a reset link made by the live
    server, a valid certificate and a revoked one."""
    world = build_world()
    staff = make_user("staff", display_name="Sam Staff")
    valid = issue_certificate(world.people["a1"], world.a.id)
    revoked = issue_certificate(world.people["a2"], world.a.id)
    assert valid is not None and revoked is not None
    revoke_certificate(revoked, by=staff, reason="Checked in by mistake")
    db.session.commit()
    with live_server[1].test_request_context():  # signed with the live server's secret
        token = reset_token(staff)
    return {
        "staff": staff.email,
        "reset_path": f"/auth/reset/{token}",
        "valid_number": valid.number,
        "revoked_number": revoked.number,
    }


def fill_series(page) -> None:
    """The new opportunity form's first session repeated weekly four times by its repeat rule."""
    first = local_today() + timedelta(days=14)
    page.fill("#title", "Coaching circle")
    page.fill("#sessions-0-day", first.isoformat())
    page.fill("#sessions-0-start_time", "09:00")
    page.fill("#sessions-0-end_time", "10:30")
    page.fill("#sessions-0-venue", "Compton Center, Room 4")
    page.select_option("#repeat_frequency", "weekly")
    page.fill("#repeat_count", "4")
    page.click("[data-fill-sessions]")
    page.wait_for_selector("[data-fill-status]:has-text('4 sessions are filled in')")


def _sized(audit, viewport: dict):
    audit.page.set_viewport_size(viewport)
    return audit


@VIEWPORTS
def test_password_recovery_pages(launch, live_server, unlisted, axe_source, viewport):  # noqa: F811
    base_url, _ = live_server
    audit = _sized(_auditor(launch, axe_source, base_url), viewport)
    page = audit.page
    audit.visit(base_url, "/auth/forgot", "forgot password")
    page.click("main button[type=submit]")  # no address typed
    page.wait_for_selector(".has-error")
    audit.check("forgot password with an error")
    page.fill("#email", unlisted["staff"])
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Check your e-mail")
    audit.check("forgot password: link sent")
    audit.visit(base_url, unlisted["reset_path"], "reset password (valid link)")
    page.fill("#new_password", "short")
    page.fill("#confirm", "different")
    page.click("main button[type=submit]")
    page.wait_for_selector("[aria-invalid=true]")
    audit.check("reset password with errors")
    audit.visit(base_url, "/auth/reset/not-a-valid-link", "reset password: invalid link")
    audit.visit(base_url, "/auth/forgot?lang=es", "forgot password in Spanish")
    audit.assert_clean()


@VIEWPORTS
def test_certificate_verification_valid_and_revoked(launch, live_server, unlisted, axe_source, viewport):  # noqa: F811
    base_url, _ = live_server
    audit = _sized(_auditor(launch, axe_source, base_url), viewport)
    audit.visit(base_url, f"/verify/{unlisted['valid_number']}", "certificate verification: valid")
    assert "Valid" in audit.page.inner_text("#verify-status")
    audit.visit(base_url, f"/verify/{unlisted['revoked_number']}", "certificate verification: revoked")
    assert "REVOKED" in audit.page.inner_text("#verify-status")
    audit.visit(base_url, f"/verify/{unlisted['revoked_number']}?lang=es", "certificate verification: revoked, Spanish")
    audit.assert_clean()


@VIEWPORTS
def test_staff_surveys_and_series_form(launch, live_server, unlisted, axe_source, viewport):  # noqa: F811
    base_url, _ = live_server
    audit = _sized(_auditor(launch, axe_source, base_url, unlisted["staff"]), viewport)
    audit.visit(base_url, "/staff/surveys", "staff surveys")
    assert "Family Engagement 101" in audit.page.inner_text("main")
    audit.visit(base_url, "/staff/opportunities/new", "new opportunity form")
    fill_series(audit.page)
    audit.check("new opportunity form with a filled repeat rule")
    audit.assert_clean()
