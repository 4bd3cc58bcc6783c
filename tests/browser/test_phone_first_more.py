"""Phone first, continued (tests/browser/test_phone_first.py has the method) on the pages the navigation does not
reach: "forgot password" and a reset link's page, the certificate verification page (valid and revoked), the staff
surveys page with answers and the opportunity form with its repeat rule filled in. No sideways scrolling at 320
and 390 CSS px; on a phone, what the page is for is on its first screen."""

from __future__ import annotations

import pytest

from tests.browser.accessibility_audit import OVERFLOWING
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility_more import fill_series, unlisted  # noqa: F401  (unlisted is a fixture)
from tests.browser.test_phone_first import PHONE_CONTEXT, TIMEOUT, _no_sideways_scroll, _on_first_screen
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _page(launch, **context_args):
    context = launch().new_context(**context_args)
    context.set_default_timeout(TIMEOUT)
    return context.new_page()


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.mark.parametrize("width", [320, 390])
def test_unlisted_pages_do_not_scroll_sideways(launch, live_server, unlisted, width):  # noqa: F811
    base_url, _ = live_server
    wide: dict[str, int] = {}
    sticking_out: dict[str, list[str]] = {}  # WCAG 1.4.10: only a data table may need sideways scrolling

    def measure(page, label: str) -> None:
        page.wait_for_load_state("load")
        if (excess := _no_sideways_scroll(page)) > 0:
            wide[label] = excess
        if found := page.evaluate(OVERFLOWING):
            sticking_out[label] = found[:5]

    page = _page(launch, viewport={"width": width, "height": 800})
    for path in (
        "/auth/forgot",
        unlisted["reset_path"],
        "/auth/reset/not-a-valid-link",
        f"/verify/{unlisted['valid_number']}",
        f"/verify/{unlisted['revoked_number']}",
    ):
        page.goto(base_url + path)
        measure(page, path.split("/")[1] + "/" + path.split("/")[2])
    page.goto(f"{base_url}/auth/forgot")
    _submit(page)
    measure(page, "forgot password with an error")
    page.fill("#email", unlisted["staff"])
    _submit(page)
    measure(page, "forgot password: link sent")
    page.goto(base_url + unlisted["reset_path"])
    page.fill("#new_password", "short")
    _submit(page)
    measure(page, "reset password with errors")
    sign_in(page, base_url, unlisted["staff"], DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/surveys")
    measure(page, "staff surveys")
    page.goto(f"{base_url}/staff/opportunities/new")
    fill_series(page)
    measure(page, "opportunity form with a filled repeat rule")
    assert len(wide) == 0, f"pages wider than {width}px (excess px): {wide}"
    assert len(sticking_out) == 0, f"wider than {width}px outside a table: {sticking_out}"


def test_forgot_and_reset_forms_on_a_phone_first_screen(launch, live_server, unlisted):  # noqa: F811
    base_url, _ = live_server
    page = _page(launch, **PHONE_CONTEXT)
    page.goto(f"{base_url}/auth/login")
    page.click("a[href='/auth/forgot']")
    page.wait_for_selector("#email")
    for selector in ("h1", "#email", "main button[type=submit]"):
        _on_first_screen(page, selector)
    _submit(page)  # no address: the error shows by the field, still on the first screen
    for selector in (".has-error .errors", "#email", "main button[type=submit]"):
        _on_first_screen(page, selector)
    assert page.get_attribute("#email", "type") == "email"  # the phone's keyboard for addresses
    assert page.get_attribute("#email", "autocomplete") == "username"  # WCAG 1.3.5; offered by the phone
    page.goto(base_url + unlisted["reset_path"])
    for selector in ("h1", "#new_password", "#confirm", "main button[type=submit]"):
        _on_first_screen(page, selector)
    assert page.get_attribute("#new_password", "autocomplete") == "new-password"  # a password manager offers one


@pytest.mark.parametrize("which", ["valid", "revoked"])
def test_verification_answer_on_a_phone_first_screen(launch, live_server, unlisted, which):  # noqa: F811
    """Someone scanning a certificate's QR code sees the answer, in words and not by colour alone, at once."""
    base_url, _ = live_server
    page = _page(launch, **PHONE_CONTEXT)
    page.goto(f"{base_url}/verify/{unlisted[which + '_number']}")
    _on_first_screen(page, "#verify-status")
    _on_first_screen(page, "#certificate dd")  # the number, under the answer
    expected = {"valid": "✓ Valid", "revoked": "✗ REVOKED"}[which]
    assert page.inner_text("#verify-status strong").startswith(expected)
    assert _no_sideways_scroll(page) <= 0


def test_repeat_rule_answer_shows_by_its_button_on_a_phone(launch, live_server, unlisted):  # noqa: F811
    base_url, _ = live_server
    page = _page(launch, **PHONE_CONTEXT)
    sign_in(page, base_url, unlisted["staff"], DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/opportunities/new")
    fill_series(page)
    _on_first_screen(page, "[data-fill-sessions]")
    _on_first_screen(page, "[data-fill-status]")  # the answer where the thumb just was
    assert _no_sideways_scroll(page) <= 0
