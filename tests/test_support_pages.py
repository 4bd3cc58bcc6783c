"""Staff pages for support activities: log, edit, delete, list filters, pagination, exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from csi_events.audit.models import AuditEvent
from csi_events.support.models import SupportActivity
from csi_events.support.services import create_activity, local_today
from tests.factories import make_lea, make_school, make_user
from tests.test_support_services import good_input, make_world


@pytest.fixture
def w(db):
    world = make_world()
    db.session.commit()
    return world


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SupportActivity))


def listed_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/staff/support/(\d+)"', html)}


def form_data(w, **changes) -> dict:
    data = {
        "occurred_on": "2025-09-10",
        "lea": str(w.alpha.id),
        "kind": "consultation_visit",
        "modality": "on_site",
        "duration": "60",
        "duration_unit": "minutes",
        "staff": [str(w.coach.id)],
        "notes": "",
    }
    data.update(changes)
    return data


def test_new_form_has_sensible_defaults(client, login, w):
    login(w.coach)
    html = client.get("/staff/support/new").get_data(as_text=True)
    assert f'value="{local_today().isoformat()}"' in html
    assert re.search(r'<input checked id="modality-0" name="modality" type="radio" value="on_site">', html)
    assert 'name="duration" size="6" type="text" value="60"' in html
    assert re.search(rf'<input checked id="staff-\d+" name="staff" type="checkbox" value="{w.coach.id}">', html)
    assert re.search(r'<input checked id="duration_unit-0" name="duration_unit" type="radio" value="minutes">', html)


def test_log_an_activity_in_hours_with_decimals(client, login, db, w):
    login(w.coach)
    response = client.post(
        "/staff/support/new",
        data=form_data(
            w,
            duration="1.5",
            duration_unit="hours",
            schools=[str(w.a1.id)],
            topics=["family_community_engagement"],
            tags="attendance mtss",
            contacts=[str(w.contact.id)],
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = db.session.scalar(select(SupportActivity))
    assert row.duration_minutes == 90 and row.created_by_id == w.coach.id
    assert [s.id for s in row.schools] == [w.a1.id]
    assert [p.id for p in row.contacts] == [w.contact.id]
    assert row.topics == "family_community_engagement attendance mtss"


def test_bad_input_on_the_form_shows_messages_and_stores_nothing(client, login, db, w):
    login(w.coach)
    response = client.post(
        "/staff/support/new",
        data=form_data(w, schools=[str(w.b1.id)], duration="-2", occurred_on="2099-01-01"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Beta High (19000020000001) is not a school of Alpha Unified." in html
    assert "The duration must be more than zero." in html
    assert "is more than a year from today" in html
    assert count(db) == 0


def test_lea_is_required_on_the_form(client, login, db, w):
    login(w.coach)
    response = client.post("/staff/support/new", data=form_data(w, lea=""))
    assert response.status_code == 422
    assert "Choose the LEA: it is required." in response.get_data(as_text=True)
    assert count(db) == 0


def test_show_schools_button_lists_the_lea_schools_without_saving(client, login, db, w):
    login(w.coach)
    response = client.post("/staff/support/new", data=form_data(w, lea=str(w.beta.id), load_lea="1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Beta High (19000020000001)" in html and "Alpha Elementary" not in html
    assert count(db) == 0


def test_lea_options_json_for_the_form_script(client, login, w):
    login(w.coach)
    body = client.get(f"/staff/support/lea-options?lea={w.alpha.id}").get_json()
    assert [s["label"] for s in body["schools"]] == [
        "Alpha Elementary (19000010000001)",
        "Alpha Middle (19000010000002)",
    ]
    assert [c["id"] for c in body["contacts"]] == [w.contact.id]


@pytest.mark.parametrize(
    "path", ["/staff/support", "/staff/support/new", "/staff/support/import", "/staff/support/export.csv"]
)
def test_facilitators_get_403_and_anonymous_go_to_sign_in(client, login, w, path):
    assert client.get(path).status_code == 302
    login(w.facilitator)
    assert client.get(path).status_code == 403


def test_edit_own_but_not_another_staff_members(client, login, db, w, app):
    mine = create_activity(good_input(w), w.coach)
    theirs = create_activity(good_input(w, staff=[w.lead.id]), w.lead)
    db.session.commit()
    login(w.coach)
    page = client.get(f"/staff/support/{mine.id}/edit").get_data(as_text=True)
    assert 'value="90"' in page
    response = client.post(f"/staff/support/{mine.id}/edit", data=form_data(w, duration="2", duration_unit="hours"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SupportActivity, mine.id).duration_minutes == 120
    assert client.get(f"/staff/support/{theirs.id}/edit").status_code == 403
    assert client.post(f"/staff/support/{theirs.id}/edit", data=form_data(w, duration="5")).status_code == 403
    assert client.post(f"/staff/support/{theirs.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(SupportActivity, theirs.id).duration_minutes == 90
    # the list offers edit links only where allowed
    html = client.get("/staff/support").get_data(as_text=True)
    assert f"/staff/support/{mine.id}/edit" in html and f"/staff/support/{theirs.id}/edit" not in html


def test_admin_deletes_any_after_confirming_and_it_is_audited(client, login, db, w):
    activity = create_activity(good_input(w), w.coach)
    db.session.commit()
    login(w.admin)
    confirm = client.get(f"/staff/support/{activity.id}/delete")
    assert confirm.status_code == 200 and "Delete this support activity?" in confirm.get_data(as_text=True)
    assert count(db) == 1  # GET deletes nothing
    response = client.post(f"/staff/support/{activity.id}/delete")
    assert response.status_code == 302
    assert count(db) == 0
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "support_activity_deleted"))
    assert event_row.actor_user_id == w.admin.id and event_row.target_id == str(activity.id)
    assert client.get(f"/staff/support/{activity.id}").status_code == 404


def test_list_filters(client, login, db, w):
    gamma = make_lea(name="Gamma Charter", cd_code="1900003", subregion=4)
    a = create_activity(good_input(w, occurred_on=date(2025, 9, 1)), w.coach)
    b = create_activity(
        good_input(w, lea=w.beta.id, schools=[], occurred_on=date(2025, 10, 5), kind="coaching"), w.coach
    )
    c = create_activity(
        good_input(w, lea=gamma.id, schools=[], occurred_on=date(2025, 11, 5), modality="virtual", staff=[w.lead.id]),
        w.lead,
    )
    db.session.commit()
    login(w.coach)

    def ids(query: str) -> set[int]:
        response = client.get("/staff/support" + query)
        assert response.status_code == 200
        return listed_ids(response.get_data(as_text=True))

    assert ids("") == {a.id, b.id, c.id}
    assert ids("?from=2025-10-01") == {b.id, c.id}
    assert ids("?from=2025-10-01&to=2025-10-31") == {b.id}
    assert ids("?subregion=4") == {a.id, c.id}  # the LEA's subregion
    assert ids(f"?lea={w.beta.id}") == {b.id}
    assert ids("?kind=coaching") == {b.id}
    assert ids("?modality=virtual") == {c.id}
    assert ids(f"?staff={w.lead.id}") == {c.id}
    assert ids(f"?staff={w.coach.id}&subregion=4") == {a.id}
    # a filter that cannot be read is reported and ignored, never a 500
    response = client.get("/staff/support?from=not-a-date&kind=bogus")
    assert response.status_code == 200
    assert listed_ids(response.get_data(as_text=True)) == {a.id, b.id, c.id}
    assert 'class="errors"' in response.get_data(as_text=True)


def _count_queries(db, fn) -> int:
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_list_pagination_in_a_fixed_number_of_queries(client, login, db, w):
    login(w.coach)
    for i in range(3):
        create_activity(good_input(w, occurred_on=date(2025, 9, 1 + i), schools=[w.a1.id, w.a2.id]), w.coach)
    db.session.commit()
    few = _count_queries(db, lambda: client.get("/staff/support"))
    for i in range(52):
        other = make_school(w.alpha, name=f"Extra {i}")
        create_activity(
            good_input(w, occurred_on=date(2025, 10, 1 + i % 28), schools=[other.id], staff=[w.coach.id, w.lead.id]),
            make_user("staff"),
        )
    db.session.commit()
    many = _count_queries(db, lambda: client.get("/staff/support"))
    assert many == few
    page1 = client.get("/staff/support").get_data(as_text=True)
    page2 = client.get("/staff/support?page=2").get_data(as_text=True)
    assert len(listed_ids(page1)) == 50 and len(listed_ids(page2)) == 5
    assert not listed_ids(page1) & listed_ids(page2)
    assert "Page 2 of 2 (55 activities)" in page2


def test_csv_and_xlsx_exports_are_filtered_neutralized_and_audited(client, login, db, w):
    create_activity(good_input(w, notes='=HYPERLINK("http://evil.example","x")'), w.coach)
    create_activity(good_input(w, lea=w.beta.id, schools=[], notes="+1 other LEA"), w.coach)
    db.session.commit()
    login(w.coach)
    response = client.get(f"/staff/support/export.csv?lea={w.alpha.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["Notes"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[0]["LEA CD code"] == "1900001" and rows[0]["School CDS codes"] == "19000010000001"
    assert rows[0]["Duration (minutes)"] == "90" and rows[0]["Hours"] == "1.50"

    response = client.get("/staff/support/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    header, data = values[0], values[1:]
    notes = sorted(row[header.index("Notes")] for row in data)
    assert notes == ["+1 other LEA", '=HYPERLINK("http://evil.example","x")']  # text cells, shown as typed

    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()
    assert [(e.details["format"], e.details["rows"], e.details["what"]) for e in exports] == [
        ("csv", 1, "support_activities"),
        ("xlsx", 2, "support_activities"),
    ]
    assert exports[0].details["filters"] == {"lea": w.alpha.id}
    assert exports[0].actor_user_id == w.coach.id


def test_unknown_export_format_is_404(client, login, w):
    login(w.coach)
    assert client.get("/staff/support/export.pdf").status_code == 404
