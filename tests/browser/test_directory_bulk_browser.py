"""The directory's "set subregion" in Chromium, by keyboard alone and with JavaScript off; the subregion import
page refusing a file and then importing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from csi_events.directory.models import School
from tests.browser.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_lea, make_school, make_user

pytestmark = pytest.mark.browser
TIMEOUT = 15000


@pytest.fixture
def bulk_world(live_server, db):
    lea = make_lea(name="Keyboard Unified", subregion=3)
    schools = [make_school(lea, name=f"Keyboard School {n}", subregion=None) for n in range(3)]
    staff = make_user("staff")
    db.session.commit()
    return {"cd_code": lea.cd_code, "schools": [s.id for s in schools], "staff": staff.email}


def test_set_subregion_by_keyboard_without_javascript(launch, live_server, bulk_world, db):
    base_url, _ = live_server
    context = launch().new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    sign_in(page, base_url, bulk_world["staff"], DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/directory/schools?lea={bulk_world['cd_code']}")
    first, second, third = bulk_world["schools"]
    page.focus(f"#pick-{first}")
    page.keyboard.press("Space")
    passed = []
    for _ in range(4):  # past the row's links (its LEA, its edit page) to the next row's checkbox
        page.keyboard.press("Tab")
        passed.append(page.evaluate("document.activeElement.tagName"))
        if page.evaluate("document.activeElement.id") == f"pick-{second}":
            break
    assert passed == ["A", "A", "INPUT"]
    page.keyboard.press("Space")
    assert page.get_by_label("Select Keyboard School 0").is_checked()
    page.focus("#bulk-subregion")
    page.keyboard.press("ArrowDown")  # "None" -> 1
    page.keyboard.press("ArrowDown")  # -> 2
    assert page.eval_on_selector("#bulk-subregion", "e => e.value") == "2"
    page.focus("text=Set subregion")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "2 changed, 0 unchanged" in page.inner_text("main")
    assert page.url.endswith(f"/staff/directory/schools?lea={bulk_world['cd_code']}")
    db.session.expire_all()
    assert [db.session.get(School, i).subregion for i in (first, second, third)] == [2, 2, None]
    context.close()


def test_import_page_refuses_then_imports(launch, live_server, bulk_world, db, tmp_path: Path):
    base_url, _ = live_server
    page = launch().new_page()
    page.set_default_timeout(TIMEOUT)
    sign_in(page, base_url, bulk_world["staff"], DEFAULT_PASSWORD)
    page.goto(f"{base_url}/staff/directory/subregions/import")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"cd_code,subregion\n{bulk_world['cd_code']},9\n")
    page.set_input_files("#file", str(bad))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "Line 2:" in page.inner_text("#problems")
    good = tmp_path / "good.csv"
    good.write_text(f"cd_code,subregion\n{bulk_world['cd_code']},6\n")
    page.set_input_files("#file", str(good))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "1 changed, 0 unchanged" in page.inner_text("main")
