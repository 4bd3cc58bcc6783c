"""Accessibility: axe-core's WCAG 2.0/2.1 A and AA rules on a representative page of every page type (and its
error and after-action states), the registration form by keyboard, and reflow at 320 CSS px (WCAG 1.4.10).

axe-core comes from npm (package.json; `make setup` installs it into node_modules, never committed). The app
sends a strict Content-Security-Policy (no inline script), so the audit contexts are opened with
`bypass_csp=True` to let the test add axe as a script tag; only these contexts do so, and the CSP itself is
tested in tests/test_security_web.py. The pages' own scripts run as usual.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from csi_events.attendance.services import issue_certificate
from csi_events.auth.services import create_api_token
from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.links import make_token
from csi_events.support.models import SupportActivity
from tests.browser.accessibility_audit import OVERFLOWING, Auditor, focus_state
from tests.browser.conftest import sign_in
from tests.factories import (
    DEFAULT_PASSWORD,
    make_lea,
    make_opportunity,
    make_person,
    make_registration,
    make_school,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 15000
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.name} is missing from node_modules/axe-core: run `make setup`")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def world(db):
    """One realistic data set (committed): an LEA with schools, published opportunities with sessions,
    registrations and check-ins, a support activity, a likely duplicate, an API token, and one user per role."""
    staff = make_user("staff", display_name="Sam Staff")
    admin = make_user("admin", display_name="Ada Admin")
    facilitator = make_user("facilitator", display_name="Front Door")
    lea = make_lea(name="Compton Unified", cd_code="1973437")
    school = make_school(lea, name="Roosevelt Elementary")
    make_school(lea, name="Dominguez High")
    workshop = make_opportunity(
        title="Family engagement in practice",
        sessions=2,
        starts_at=(utcnow() + dt.timedelta(minutes=20)).replace(microsecond=0),
        facilitators=[facilitator],
    )
    webinar = make_opportunity(title="Data for community schools", modality="virtual", kind="webinar", capacity=2)
    past = make_opportunity(title="Spring institute", starts_at=utcnow() - dt.timedelta(days=30), sessions=2)
    maya = make_person(first_name="Maya", last_name="Lopez", lea=lea, school=school, role="teacher")
    ravi = make_person(first_name="Ravi", last_name="Shah", lea=lea)
    duplicate = make_person(first_name="Ravi", last_name="Shah", lea=lea, email="r.shah@example.org")
    reg = make_registration(workshop, maya, needs="Large print handouts")
    make_registration(workshop, ravi)
    make_registration(webinar, maya)
    make_registration(webinar, ravi)
    waitlisted = make_registration(webinar, make_person(lea=lea), status="waitlisted", waitlist_position=1)
    make_registration(workshop, make_person(lea=lea), status="cancelled", cancelled_at=utcnow())
    past_reg = make_registration(past, maya)
    first_session = workshop.sessions[0]
    db.session.add(CheckIn(session=first_session, person=maya, registration=reg, method="qr"))
    for past_session in past.sessions:
        db.session.add(CheckIn(session=past_session, person=maya, registration=past_reg, method="search"))
    db.session.add(
        SupportActivity(
            occurred_on=dt.date.today(),
            lea=lea,
            schools=[school],
            kind="coaching",
            modality="on_site",
            duration_minutes=90,
            notes="Planning the spring family night.",
            created_by=staff,
            staff=[staff],
            contacts=[maya],
        )
    )
    db.session.flush()
    certificate = issue_certificate(maya, past.id)
    create_api_token(admin, ["read"], name="Reporting export", by=admin)
    db.session.commit()
    activity_id = db.session.query(SupportActivity.id).scalar()
    return {
        "staff": staff.email,
        "staff_id": staff.id,
        "admin": admin.email,
        "facilitator": facilitator.email,
        "lea_id": lea.id,
        "cd_code": lea.cd_code,
        "school_id": school.id,
        "school_cds": school.cds_code,
        "opp_id": workshop.id,
        "past_opp_id": past.id,
        "waitlisted_ticket": waitlisted.ticket,
        "duplicate_ids": sorted(p.id for p in (ravi, duplicate)),
        "session_id": first_session.id,
        "ticket": reg.ticket,
        "reg_id": reg.id,
        "person_id": maya.id,
        "activity_id": activity_id,
        "certificate_number": certificate.number,
    }


def _auditor(launch, axe_source, base_url: str, email: str | None = None) -> Auditor:
    # bypass_csp: see the module docstring (only so that axe can be added as a script tag).
    context = launch().new_context(bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    if email:
        sign_in(page, base_url, email, DEFAULT_PASSWORD)
    return Auditor(page, axe_source)


def test_public_pages(launch, live_server, world, axe_source):
    base_url, live_app = live_server
    audit = _auditor(launch, axe_source, base_url)
    opp = world["opp_id"]
    audit.visit(base_url, "/", "home")
    audit.visit(base_url, "/opportunities", "catalog")
    audit.visit(base_url, f"/opportunities/{opp}", "opportunity detail")
    audit.visit(base_url, f"/opportunities/{opp}/register", "registration form")
    page = audit.page
    page.click("main button[type=submit]")  # nothing filled in: every required field has an error
    page.wait_for_selector("#form-errors")
    audit.check("registration form with field errors")
    page.fill("#first_name", "Lena")
    page.fill("#last_name", "Ortiz")
    page.fill("#email", "lena.ortiz@example.org")
    page.select_option("#role", "teacher")
    page.fill("#lea", world["cd_code"])  # a CD code, as the field's hint allows
    with page.expect_navigation(url=f"**/opportunities/{opp}/register"):
        page.click("main button[type=submit]")
    assert "lena.ortiz@example.org" in page.inner_text("main")
    audit.check("check your e-mail (after a sign-up)")
    audit.visit(base_url, f"/t/{world['ticket']}", "ticket")
    audit.visit(base_url, f"/t/{world['waitlisted_ticket']}", "ticket on the waitlist")
    audit.visit(base_url, f"/t/{world['ticket']}/cancel", "ticket cancel")
    audit.visit(base_url, f"/opportunities/{world['past_opp_id']}/register", "registration closed")
    audit.visit(base_url, "/opportunities?q=nothing-matches-this", "catalog without results")
    audit.visit(base_url, "/me", "my registrations request")
    page.fill("#email", "maya@example.org")
    page.click("main button[type=submit]")
    audit.check("my registrations: link sent")
    with live_app.app_context():
        manage_token = make_token("manage", {"p": world["person_id"]})
        here_token = make_token("here", {"r": world["reg_id"], "s": world["session_id"]})
    audit.visit(base_url, f"/me/{manage_token}", "my registrations (signed link)")
    audit.visit(base_url, "/me/not-a-valid-link", "invalid link")
    audit.visit(base_url, f"/here/{here_token}", "self check-in by link")
    audit.visit(base_url, "/here", "self check-in")
    page.fill("#email", "maya@example.org")
    page.fill("#code", "ZZZZZZ")
    page.click("main button[type=submit]")
    audit.check("self check-in after a wrong code")
    audit.visit(base_url, "/privacy", "privacy notice")
    audit.visit(base_url, "/auth/login", "login")
    page.fill("#email", "nobody@example.org")
    page.fill("#password", "wrong password")
    page.click("main button[type=submit]")
    audit.check("login after a failed attempt")
    audit.visit(base_url, "/opportunities/999999", "not found")
    audit.visit(base_url, f"/verify/{world['certificate_number']}", "certificate verification")
    audit.visit(base_url, "/verify/CSI-2026-ZZZZZZ", "certificate verification: unknown number")
    audit.assert_clean()


def test_checkin_page_before_and_after_scans(launch, live_server, world, axe_source):
    base_url, _ = live_server
    audit = _auditor(launch, axe_source, base_url, world["facilitator"])
    audit.visit(base_url, "/staff/checkin", "facilitator's sessions")
    audit.visit(base_url, f"/staff/checkin/sessions/{world['session_id']}", "check-in page")
    page = audit.page
    page.wait_for_selector("#checkin[data-ready='1']")
    audit.check("check-in page, ready")
    page.fill("#scan-input", "not-a-ticket")
    page.press("#scan-input", "Enter")
    page.wait_for_selector("#answer[data-status]:not([data-status='ok'])")
    audit.check("check-in page, after an invalid code")
    page.fill("#scan-input", world["ticket"])
    page.press("#scan-input", "Enter")
    page.wait_for_selector("#answer[data-status='already_checked_in']")
    audit.check("check-in page, after an 'already checked in' answer")
    page.click("#search-panel summary")
    page.fill("#search-input", "shah")
    page.wait_for_selector("#search-results button")
    page.click("#search-results button:has-text('Check in')")
    page.wait_for_selector("#answer[data-status='ok']")
    audit.check("check-in page, after a check-in")
    page.click("#walkin-panel summary")
    page.click("#walkin-form button[type=submit]")  # nothing filled in
    page.wait_for_selector("#walkin-errors:not([hidden])")
    audit.check("check-in page, walk-in form with errors")
    audit.assert_clean()


def test_staff_pages(launch, live_server, world, axe_source):
    base_url, _ = live_server
    audit = _auditor(launch, axe_source, base_url, world["staff"])
    opp, lea_id = world["opp_id"], world["lea_id"]
    for path, label in [
        ("/staff/opportunities", "opportunities list"),
        ("/staff/opportunities/new", "new opportunity form"),
        (f"/staff/opportunities/{opp}/roster", "roster"),
        (f"/staff/opportunities/{world['past_opp_id']}/certificates", "certificates of an opportunity"),
        ("/staff/reports", "reports dashboard"),
        (f"/staff/reports/leas/{world['cd_code']}", "LEA report"),
        ("/staff/reports/rows", "report rows"),
        ("/staff/people", "people list"),
        (f"/staff/people/{world['person_id']}", "person page"),
        ("/staff/people/duplicates", "people duplicates"),
        (f"/staff/people/{world['person_id']}/privacy", "person privacy"),
        ("/staff/support", "support activities list"),
        (f"/staff/support/{world['activity_id']}", "support activity"),
        (f"/staff/support/{world['activity_id']}/edit", "support activity edit form"),
        ("/staff/directory/leas", "directory: LEAs"),
        (f"/staff/directory/leas/{lea_id}", "directory: one LEA"),
        (f"/staff/directory/leas/{lea_id}/edit", "directory: LEA edit form"),
        ("/staff/directory/schools", "directory: schools"),
        ("/staff/audit", "audit trail"),
        ("/auth/account", "account"),
        ("/auth/account/two-factor", "two-factor set-up"),
        ("/auth/account/password", "password change"),
        ("/staff/support/import", "support activities import"),
        (f"/staff/support/{world['activity_id']}/delete", "support activity delete"),
        ("/staff/directory/import", "directory import"),
        ("/staff/directory/subregions/import", "directory: subregions import"),
        (f"/staff/reports/schools/{world['school_cds']}", "school report"),
        ("/staff/reports/subregions/4", "subregion report"),
        ("/staff/people/merge?survivor={}&merged={}".format(*world["duplicate_ids"]), "merge preview"),
        (f"/staff/sessions/{world['session_id']}/zoom-import", "Zoom attendance import"),
        (f"/staff/directory/schools/{world['school_id']}/edit", "directory: school edit form"),
        ("/staff/mail", "outgoing mail"),
    ]:
        audit.visit(base_url, path, label)
    page = audit.page
    audit.visit(base_url, f"/staff/opportunities/{opp}/edit", "opportunity edit form")
    page.fill("#title", "")
    page.fill("#capacity", "many")
    page.click("#opportunity-form button[type=submit]:not([data-add-session])")
    page.wait_for_selector("#error-summary")
    audit.check("opportunity edit form with field errors")
    audit.visit(base_url, "/staff/support/new", "support activity form")
    page.fill("#duration", "a while")
    page.click("#save")
    page.wait_for_selector(".has-error")
    audit.check("support activity form with field errors")
    audit.visit(base_url, "/staff/support/new", "support activity form")
    page.select_option("#lea", str(lea_id))  # the LEA's schools and contacts arrive without a reload
    page.wait_for_selector("#schools-box input[type=checkbox]")
    audit.check("support activity form with an LEA's schools listed")
    audit.assert_clean()


def test_admin_pages(launch, live_server, world, axe_source):
    base_url, _ = live_server
    audit = _auditor(launch, axe_source, base_url, world["admin"])
    audit.visit(base_url, "/staff/admin/users", "users")
    audit.visit(base_url, f"/staff/admin/users/{world['staff_id']}", "one user")
    audit.visit(base_url, "/staff/admin/users/new", "new user form")
    audit.visit(base_url, "/staff/admin/tokens", "API tokens")
    audit.visit(base_url, "/staff/admin/tokens/new", "new API token form")
    page = audit.page
    page.click("main button[type=submit]")
    audit.check("new API token form with field errors")
    page.fill("#user_email", world["staff"])
    page.fill("#name", "Dashboard")
    page.check("main input[name=scopes][value=read]")
    page.click("main button[type=submit]")
    page.wait_for_selector("main code.secret")
    audit.check("API token made (shown once)")
    audit.assert_clean()


def test_pages_reflow_at_320_css_pixels(launch, live_server, world):
    """WCAG 1.4.10: at 320 CSS px (1280px at 400% zoom) nothing but a data table needs sideways scrolling."""
    base_url, _ = live_server
    opp = world["opp_id"]
    public = [
        "/opportunities",
        f"/opportunities/{opp}",
        f"/opportunities/{opp}/register",
        f"/t/{world['ticket']}",
        "/me",
        "/privacy",
        "/auth/login",
        "/here",
    ]
    staff = [
        f"/staff/checkin/sessions/{world['session_id']}",
        "/staff/opportunities",
        f"/staff/opportunities/{opp}/edit",
        f"/staff/opportunities/{opp}/roster",
        "/staff/reports",
        f"/staff/reports/leas/{world['cd_code']}",
        f"/staff/people/{world['person_id']}",
        "/staff/people/duplicates",
        "/staff/support",
        "/staff/support/new",
        "/staff/directory/leas",
        "/staff/directory/schools",
        "/staff/directory/subregions/import",
        "/staff/audit",
    ]
    overflowing = {}
    for email, paths in ((None, public), (world["staff"], staff)):
        page = launch().new_context(viewport={"width": 320, "height": 640}).new_page()
        page.set_default_timeout(TIMEOUT)
        if email:
            sign_in(page, base_url, email, DEFAULT_PASSWORD)
        for path in paths:
            page.goto(base_url + path)
            page.wait_for_load_state("load")
            if found := page.evaluate(OVERFLOWING):
                overflowing[path] = found[:5]
    assert overflowing == {}, f"wider than 320px outside a table: {overflowing}"


def test_registration_form_by_keyboard(launch, live_server, world):
    base_url, _ = live_server
    page = launch().new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base_url}/opportunities/{world['opp_id']}/register")
    page.wait_for_load_state("load")

    page.keyboard.press("Tab")
    first = focus_state(page)
    assert first["tag"] == "a" and page.evaluate("document.activeElement.className") == "skip-link"
    assert first["outline"] or first["shadow"], "the skip link shows no focus indicator"

    visited: list[dict] = []
    for _ in range(60):  # header links, then the form; stops at the submit button
        page.keyboard.press("Tab")
        state = focus_state(page)
        if state["inForm"]:
            visited.append(state)
            if state["tag"] == "button":
                break
    order = [s["id"] or s["tag"] for s in visited]
    # The organization field is hidden until "not listed" is ticked; the hidden CSRF field takes no focus.
    assert order == ["first_name", "last_name", "email", "role", "lea", "school", "not_listed", "needs", "button"]
    no_indicator = [s["id"] or s["tag"] for s in visited if not (s["outline"] or s["shadow"])]
    assert no_indicator == [], f"focused without a visible focus indicator: {no_indicator}"

    # Ticking "not listed" by keyboard reveals the organization field and moves focus there; it sits between
    # the box and the needs field in the tab order.
    page.focus("#not_listed")
    page.keyboard.press("Space")
    assert page.is_checked("#not_listed")
    state = focus_state(page)
    assert state["id"] == "organization" and (state["outline"] or state["shadow"])
    page.keyboard.press("Tab")
    assert focus_state(page)["id"] == "needs"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focus_state(page)["id"] == "not_listed"


def test_the_audit_reports_violations(launch, live_server, axe_source):
    """The check above can fail: a page spoiled on purpose is reported with rule, impact and selector."""
    base_url, _ = live_server
    audit = _auditor(launch, axe_source, base_url)
    audit.visit(base_url, "/privacy", "privacy notice")
    assert audit.failures == []
    audit.page.evaluate(
        """() => {
      const main = document.querySelector("main");
      main.insertAdjacentHTML("beforeend",
        '<img id="spoiled-img" src="/static/none.png">' +
        '<p id="spoiled-text" style="color:#bbb;background:#fff">Pale text</p>' +
        '<input id="spoiled-input" type="text">');
    }"""
    )
    audit.check("privacy notice, spoiled")
    with pytest.raises(AssertionError) as failed:
        audit.assert_clean()
    message = str(failed.value)
    for part in ("image-alt [critical]", "#spoiled-img", "color-contrast [serious]", "#spoiled-text", "#spoiled-input"):
        assert part in message, message
