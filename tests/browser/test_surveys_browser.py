"""Survey pages in Chromium: axe-core's WCAG 2.1 A/AA rules on the participant's pages (empty, with errors, thank
you) and the staff pages, and the survey answered by keyboard alone on a phone-sized screen."""

from __future__ import annotations

import pytest

from csi_events.surveys.tokens import invitation_token
from tests.browser.test_accessibility import _auditor, axe_source  # noqa: F401  (axe_source is a fixture)
from tests.factories import make_user
from tests.survey_fixture import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def survey_world(live_server, db):
    world = build_world()
    staff = make_user("staff")
    db.session.commit()
    with live_server[1].test_request_context():  # signed with the live server's secret
        token = invitation_token(world.invitation("a3").id)
    return {"world": world, "token": token, "staff": staff.email}


def test_participant_pages(launch, live_server, survey_world, axe_source):  # noqa: F811
    base_url, _ = live_server
    audit = _auditor(launch, axe_source, base_url)
    world = survey_world["world"]
    audit.visit(base_url, f"/survey/{survey_world['token']}", "survey page")
    page = audit.page
    page.click("button[type=submit]")
    page.wait_for_selector(".flash-error")
    audit.check("survey page with errors")
    audit.visit(base_url, f"/s/{world.a.sessions[0].id}", "on-the-spot survey link")
    audit.visit(base_url, f"/survey/{survey_world['token']}?lang=es", "survey page in Spanish")
    audit.assert_clean()


def test_survey_by_keyboard_on_a_phone(launch, live_server, survey_world):
    base_url, _ = live_server
    context = launch().new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{base_url}/survey/{survey_world['token']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    for key in ("overall_quality", "relevance", "will_apply", "facilitator"):
        page.focus(f"input[name=q_{key}][value='1']")
        for _ in range(3):
            page.keyboard.press("ArrowDown")  # radio groups move by arrow keys: 1 -> 4
    page.focus("#q_most_useful")
    page.keyboard.type("Everything")
    page.focus("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=are saved")
    context.close()


def test_staff_survey_pages(launch, live_server, survey_world, axe_source):  # noqa: F811
    base_url, _ = live_server
    world = survey_world["world"]
    audit = _auditor(launch, axe_source, base_url, survey_world["staff"])
    for path, label in [
        ("/staff/surveys", "surveys index"),
        (f"/staff/opportunities/{world.a.id}/survey", "survey settings and questions"),
        (f"/staff/opportunities/{world.a.id}/survey/results", "survey results"),
        (f"/staff/opportunities/{world.b.id}/survey/results", "survey results of a series"),
        ("/staff/surveys/summary", "survey summary"),
        ("/staff/surveys/bank", "question bank"),
    ]:
        audit.visit(base_url, path, label)
    audit.assert_clean()
