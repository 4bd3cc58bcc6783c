"""Phone first (issue 14) in a real browser at 390x844 and 1366x900: what must be on the first screen (bounding
boxes), the menu button, filters that apply as they change, the scan-first check-in page (camera, answer,
Undo, "not yet arrived", walk-ins with the type-ahead), the ticket's QR code, and no sideways scrolling on any
page the navigation reaches, for each role, at 320 and 390 CSS px."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.people.models import Person
from tests.browser.conftest import sign_in
from tests.browser.test_checkin_browser import _qr_y4m
from tests.factories import (
    DEFAULT_PASSWORD,
    make_lea,
    make_opportunity,
    make_person,
    make_registration,
    make_school,
    make_user,
)

pytestmark = pytest.mark.browser
TIMEOUT = 15000
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
# A phone: touch, coarse pointer (the check-in page then never focuses a text field by itself).
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def venue(db):
    """A facilitator's session starting in 20 minutes with three confirmed people; a 4-session series; staff,
    admin; an LEA with a school."""
    facilitator = make_user("facilitator", display_name="Front Door")
    staff = make_user("staff", display_name="Sam Staff")
    admin = make_user("admin", display_name="Ada Admin")
    lea = make_lea(name="Compton Unified", cd_code="1973437")
    school = make_school(lea, name="Roosevelt Elementary")
    opp = make_opportunity(
        title="Restorative practices in the classroom",
        starts_at=utcnow() + timedelta(minutes=20),
        facilitators=[facilitator],
        capacity=40,
    )
    regs = [
        make_registration(opp, make_person(first_name=first, last_name=last, lea=lea, school=school))
        for first, last in (("Maya", "Lopez"), ("Ravi", "Shah"), ("Ana", "Ruiz"))
    ]
    series = make_opportunity(title="Coordinator onboarding series", sessions=4, starts_at=utcnow() + timedelta(days=2))
    series_reg = make_registration(series, make_person(first_name="Lena", last_name="Ortiz"))
    for n in range(8):
        make_opportunity(title=f"Workshop number {n}", starts_at=utcnow() + timedelta(days=3 + n))
    db.session.commit()
    return {
        "facilitator": facilitator.email,
        "staff": staff.email,
        "admin": admin.email,
        "session_id": opp.sessions[0].id,
        "tickets": [r.ticket for r in regs],
        "series_ticket": series_reg.ticket,
        "opp_id": opp.id,
    }


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box


def _on_first_screen(page, selector: str) -> None:
    box = _box(page, selector)
    height = page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{selector} is not on the first screen: {box}"


def _no_sideways_scroll(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1366x900"])
def test_catalog_first_opportunity_on_first_screen(launch, live_server, venue, viewport):
    base_url, _ = live_server
    page = launch().new_context(viewport=viewport).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base_url}/opportunities")
    _on_first_screen(page, "#q")
    _on_first_screen(page, "#filters-more > summary")
    _on_first_screen(page, "#catalog-results > li:first-child h2")
    _on_first_screen(page, "#catalog-results > li:first-child .seats")
    assert not page.is_visible("#topic")  # behind "Filters"
    assert _no_sideways_scroll(page) <= 0


def test_catalog_filters_apply_as_they_change(launch, live_server, venue):
    base_url, _ = live_server
    page = launch().new_context(viewport=PHONE).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base_url}/opportunities")
    assert not page.is_visible("#filters-more [data-apply]")  # with JavaScript no "Show" button is needed
    page.click("#filters-more > summary")
    with page.expect_navigation():
        page.select_option("#modality", "virtual")
    assert "modality=virtual" in page.url
    assert page.inner_text(".result-count").startswith("0 ")
    assert page.is_visible("#modality")  # the disclosure stays open while a filter is set


def test_catalog_filters_work_without_javascript(browser_without_js, live_server, venue):
    base_url, _ = live_server
    page = browser_without_js.new_page()
    page.goto(f"{base_url}/opportunities")
    page.click("#filters-more > summary")
    page.select_option("#kind", "webinar")
    with page.expect_navigation():
        page.click("#filters-more [data-apply]")
    assert "kind=webinar" in page.url


@pytest.fixture
def browser_without_js(launch):
    context = launch().new_context(java_script_enabled=False, viewport=PHONE)
    context.set_default_timeout(TIMEOUT)
    return context


def test_menu_button_collapses_navigation_on_phones(launch, live_server, venue):
    base_url, _ = live_server
    browser = launch()
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.set_default_timeout(TIMEOUT)
    sign_in(phone, base_url, venue["staff"], DEFAULT_PASSWORD)
    assert phone.is_visible("#menu-button") and not phone.is_visible("#site-nav")
    assert _box(phone, ".site-header")["height"] < 80
    phone.click("#menu-button")
    assert phone.is_visible("#site-nav a[href='/staff/reports']")
    assert phone.get_attribute("#menu-button", "aria-expanded") == "true"
    phone.keyboard.press("Escape")
    assert not phone.is_visible("#site-nav")
    laptop = browser.new_context(viewport=LAPTOP).new_page()
    sign_in(laptop, base_url, venue["staff"], DEFAULT_PASSWORD)
    assert laptop.is_visible("#site-nav a[href='/staff/reports']") and not laptop.is_visible("#menu-button")


def test_facilitator_lands_on_today_one_tap_from_check_in(launch, live_server, venue):
    base_url, _ = live_server
    page = launch().new_context(**PHONE_CONTEXT).new_page()
    page.set_default_timeout(TIMEOUT)
    sign_in(page, base_url, venue["facilitator"], DEFAULT_PASSWORD)
    assert urlsplit(page.url).path == "/staff/checkin"
    _on_first_screen(page, "#today-sessions .card a.button")
    assert _no_sideways_scroll(page) <= 0
    page.click("#today-sessions .card a.button")
    page.wait_for_selector("#checkin[data-ready='1']")
    assert urlsplit(page.url).path == f"/staff/checkin/sessions/{venue['session_id']}"


def _check_in_page(launch, live_server, venue, extra_args=(), **context_args):
    base_url, _ = live_server
    context = launch(list(extra_args)).new_context(**context_args)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    sign_in(page, base_url, venue["facilitator"], DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/checkin/sessions/{venue['session_id']}")
    page.wait_for_selector("#checkin[data-ready='1']")
    return page


def test_check_in_scan_first_on_a_phone(launch, live_server, venue, db, tmp_path):
    """Camera on, a ticket in front of it: the answer, its Undo and the camera view are all on the first
    screen, with no text field focused (the on-screen keyboard stays closed)."""
    base_url, _ = live_server
    video = tmp_path / "ticket.y4m"
    _qr_y4m(video, f"{base_url}/t/{venue['tickets'][0]}")
    camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    page = _check_in_page(launch, live_server, venue, camera, **PHONE_CONTEXT)
    assert page.evaluate("document.activeElement.tagName") == "BODY"
    assert " ".join(page.inner_text(".count-line").split()) == "0 of 3 checked in · 0 walk-ins"
    _on_first_screen(page, ".count-line")
    page.click("#camera-toggle")
    page.wait_for_selector("#answer[data-status='ok']")
    assert "Maya Lopez" in page.inner_text("#answer")
    for selector in ("#camera-video", "#answer", "#answer button:has-text('Undo')", ".count-line"):
        _on_first_screen(page, selector)
    assert page.evaluate("['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName)") is False
    assert _box(page, "#camera-video")["y"] < _box(page, "#answer")["y"]  # the answer right under the camera
    assert " ".join(page.inner_text(".count-line").split()) == "1 of 3 checked in · 0 walk-ins"
    assert _no_sideways_scroll(page) <= 0


def test_check_in_answer_on_first_screen_on_a_laptop(launch, live_server, venue):
    page = _check_in_page(launch, live_server, venue, viewport=LAPTOP)
    assert page.evaluate("document.activeElement.id") == "scan-input"  # a USB scanner types here
    page.keyboard.type(venue["tickets"][1])
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer[data-status='ok']")
    for selector in ("#answer", "#answer button:has-text('Undo')", "#scan-input", ".count-line"):
        _on_first_screen(page, selector)


def test_not_yet_arrived_one_tap_check_in(launch, live_server, venue, db):
    page = _check_in_page(launch, live_server, venue, **PHONE_CONTEXT)
    assert page.inner_text("#not-arrived-count") == "3"
    page.click("#not-arrived button[aria-label='Check in: Ravi Shah']")
    page.wait_for_selector("#answer[data-status='ok']")
    assert "Ravi Shah" in page.inner_text("#answer")
    assert page.inner_text("#not-arrived-count") == "2"
    assert "Ravi Shah" not in page.inner_text("#not-arrived")
    db.session.expire_all()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.session_id == venue["session_id"])).all()
    assert [r.method for r in rows] == ["search"]


def test_walk_in_errors_use_labels_in_the_page_language(launch, live_server, venue):
    base_url, _ = live_server
    page = _check_in_page(launch, live_server, venue, viewport=PHONE)
    page.click("#walkin-panel summary")
    page.click("#walkin-form button[type=submit]")
    page.wait_for_selector("#walkin-errors:not([hidden])")
    errors = page.inner_text("#walkin-errors")
    assert "First name is required." in errors and "E-mail is required." in errors
    assert "Field required" not in errors and "email:" not in errors
    page.goto(f"{base_url}/staff/checkin/sessions/{venue['session_id']}?lang=es")
    page.wait_for_selector("#checkin[data-ready='1']")
    page.click("#walkin-panel summary")
    page.fill("#walkin-first", "Luz")
    page.click("#walkin-form button[type=submit]")
    page.wait_for_selector("#walkin-errors:not([hidden])")
    errors = page.inner_text("#walkin-errors")
    assert "Apellido es obligatorio." in errors and "Correo electrónico es obligatorio." in errors


def test_walk_in_with_lea_and_school_from_the_type_ahead(launch, live_server, venue, db):
    page = _check_in_page(launch, live_server, venue, viewport=PHONE)
    page.click("#walkin-panel summary")
    page.fill("#walkin-first", "Teo")
    page.fill("#walkin-last", "Vega")
    page.fill("#walkin-email", "teo.vega@example.org")
    page.type("#walkin-lea", "Compt")
    page.wait_for_selector("#lea-options option[value='Compton Unified (1973437)']", state="attached")
    page.fill("#walkin-lea", "Compton Unified (1973437)")
    page.type("#walkin-school", "Roose")
    option = page.wait_for_selector("#school-options option", state="attached")
    page.fill("#walkin-school", option.get_attribute("value"))
    page.click("#walkin-form button[type=submit]")
    page.wait_for_selector("#walkin-errors.flash-success:not([hidden])")
    assert "Teo Vega" in page.inner_text("#walkin-errors")
    _on_first_screen(page, "#walkin-errors")  # the success shows where the eye is (by the button)
    assert page.inner_text("#count-walk-ins") == "1"
    db.session.expire_all()
    person = db.session.scalar(select(Person).where(Person.email == "teo.vega@example.org"))
    assert person.lea.cd_code == "1973437" and person.school.name == "Roosevelt Elementary"


def test_walk_in_lea_not_chosen_from_the_list_is_explained(launch, live_server, venue, db):
    page = _check_in_page(launch, live_server, venue, viewport=PHONE)
    page.click("#walkin-panel summary")
    page.fill("#walkin-first", "Teo")
    page.fill("#walkin-last", "Vega")
    page.fill("#walkin-email", "teo.vega@example.org")
    page.fill("#walkin-lea", "Somewhere")
    page.click("#walkin-form button[type=submit]")
    page.wait_for_selector("#walkin-errors.flash-error:not([hidden])")
    assert "School district or LEA: choose a name from the suggestions" in page.inner_text("#walkin-errors")
    assert db.session.scalar(select(Person).where(Person.email == "teo.vega@example.org")) is None


def test_ticket_of_a_series_shows_name_title_next_session_and_whole_qr(launch, live_server, venue):
    base_url, _ = live_server
    page = launch().new_context(**PHONE_CONTEXT).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base_url}/t/{venue['series_ticket']}")
    for selector in (".ticket-name", ".ticket-title", ".ticket-when", ".qr-code svg"):
        _on_first_screen(page, selector)
    assert "session 1 of 4" in page.inner_text(".ticket-when")
    cancel = _box(page, "#cancel-link")
    assert cancel["y"] > PHONE["height"]  # a quiet link further down, not a button beside the QR code
    assert _no_sideways_scroll(page) <= 0


def _nav_paths(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all("#site-nav a[href], .site-footer a[href]", "els => els.map(e => e.href)")
    return sorted({urlsplit(h).path for h in hrefs if h.startswith(base_url)})


@pytest.mark.parametrize("width", [320, 390])
def test_no_page_the_navigation_reaches_scrolls_sideways(launch, live_server, venue, width):
    """Every page linked from the header and footer, for each role, and the pages one step further that
    matter most at a door or a desk (an opportunity, its roster and edit form, a check-in page, a ticket)."""
    base_url, _ = live_server
    browser = launch()
    extra = {
        None: [
            f"/opportunities/{venue['opp_id']}",
            f"/opportunities/{venue['opp_id']}/register",
            f"/t/{venue['series_ticket']}",
        ],
        "facilitator": [f"/staff/checkin/sessions/{venue['session_id']}"],
        "staff": [f"/staff/opportunities/{venue['opp_id']}/roster", f"/staff/opportunities/{venue['opp_id']}/edit"],
        "admin": ["/staff/admin/tokens"],
    }
    wide: dict[str, int] = {}
    for role, email in (
        (None, None),
        ("facilitator", venue["facilitator"]),
        ("staff", venue["staff"]),
        ("admin", venue["admin"]),
    ):
        context = browser.new_context(viewport={"width": width, "height": 800})
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        if email:
            sign_in(page, base_url, email, DEFAULT_PASSWORD)
        else:
            page.goto(f"{base_url}/opportunities")
        paths = [*_nav_paths(page, base_url), *extra[role]]
        assert len(paths) >= 3, paths
        for path in paths:
            if path.startswith("/auth/logout"):
                continue
            page.goto(base_url + path)
            page.wait_for_load_state("load")
            if (excess := _no_sideways_scroll(page)) > 0:
                wide[f"{role or 'public'} {path}"] = excess
        context.close()
    assert wide == {}, f"pages wider than {width}px (excess px): {wide}"
