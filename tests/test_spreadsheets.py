"""Spreadsheets as people open them: XLSX cells of the right type (read back with openpyxl), headers as words,
labels not codes, the roster in XLSX too, and the support-activity export imported back unchanged through
`flask support import`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import delete, select

from csi_events.support.models import SupportActivity
from csi_events.support.services import create_activity
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_user
from tests.test_support_services import good_input, make_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(response):
    assert response.status_code == 200 and response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [list(row) for row in sheet.iter_rows()]


def test_roster_xlsx_has_typed_cells_words_and_labels(client, db, login):
    lea = make_lea(name="Bassett Unified", cd_code="0164303")
    opp = make_opportunity()
    person = make_person(first_name="=HYPERLINK(1)", last_name="Evil", lea=lea, role="classified_staff")
    registration = make_registration(opp, person, source="walk_in")
    registration.created_at = datetime(2025, 3, 4, 23, 30, 12, 345678, tzinfo=UTC)
    db.session.commit()
    login(make_user("staff"))
    header, first = workbook_rows(client.get(f"/staff/opportunities/{opp.id}/roster.xlsx"))
    names = [c.value for c in header]
    assert names[:3] == ["Registration", "Status", "Waitlist position"] and names[-1] == "Registered at"
    cell = dict(zip(names, first, strict=True))
    assert (cell["Status"].value, cell["Role"].value, cell["Source"].value) == (
        "Confirmed",
        "Classified staff",
        "Walk-in",
    )
    # Formula-like text: a text cell showing exactly what was typed, marked so that Excel keeps it text.
    assert cell["First name"].value == "=HYPERLINK(1)" and cell["First name"].data_type == "s"
    assert cell["First name"].quotePrefix is True
    # A CD code keeps its leading zero: text.
    assert cell["CD code"].value == "0164303" and cell["CD code"].data_type == "s"
    # 23:30:12 UTC is 15:30 in Los Angeles: a real date cell, local time, no microseconds.
    assert cell["Registered at"].is_date
    assert cell["Registered at"].value == datetime(2025, 3, 4, 15, 30, 12)
    assert cell["Registered at"].number_format == "yyyy-mm-dd hh:mm"

    rows = list(csv.reader(io.StringIO(client.get(f"/staff/opportunities/{opp.id}/roster.csv").get_data(as_text=True))))
    assert rows[1][-1] == "2025-03-04 15:30" and rows[1][-2] == "Walk-in"
    page = client.get(f"/staff/opportunities/{opp.id}/roster").get_data(as_text=True)
    assert f'href="/staff/opportunities/{opp.id}/roster.xlsx"' in page


def _activities(db) -> list[tuple]:
    db.session.expire_all()
    return sorted(
        (
            a.occurred_on,
            a.lea.cd_code,
            tuple(sorted(s.cds_code for s in a.schools)),
            a.kind,
            a.modality,
            a.duration_minutes,
            tuple(sorted(u.email for u in a.staff)),
            tuple(sorted(p.email for p in a.contacts)),
            a.topics,
            a.notes,
        )
        for a in db.session.scalars(select(SupportActivity))
    )


def _import(app, path, *extra):
    return app.test_cli_runner().invoke(args=["support", "import", str(path), "--as", "coach@example.org", *extra])


def test_support_export_imports_back_unchanged(app, client, login, db, tmp_path):
    w = make_world()
    db.session.commit()
    create_activity(
        good_input(
            w,
            schools=[w.a1.id, w.a2.id],
            contacts=[w.contact.id],
            topics=["family_community_engagement", "after-school"],
            duration_minutes=80,
            notes="=1+2, then\na second line; “quoted”",
        ),
        w.coach,
    )
    create_activity(good_input(w, lea=w.beta.id, schools=[w.b1.id], kind="coaching", modality="phone"), w.coach)
    db.session.commit()
    before = _activities(db)
    login(w.coach)

    for language in ("en", "es"):
        client.set_cookie("lang", language)
        response = client.get("/staff/support/export.csv")
        text = response.get_data(as_text=True)
        assert ("Consultation visit" in text) == (language == "en")
        path = tmp_path / f"export-{language}.csv"
        path.write_bytes(response.get_data())

        # The same database: nothing new.
        result = _import(app, path)
        assert result.exit_code == 0, result.output
        assert "2 rows read" in result.output
        # A database without them: the same activities again.
        db.session.execute(delete(SupportActivity))
        db.session.commit()
        result = _import(app, path)
        assert result.exit_code == 0, result.output
        assert "2 imported" in result.output
        assert _activities(db) == before
        assert "already present" in _import(app, path).output


def test_support_xlsx_cells_are_typed_and_headers_are_words(app, client, login, db):
    w = make_world()
    db.session.commit()
    activity = create_activity(good_input(w, notes="@SUM(A1)", topics=["collaborative_leadership"]), w.coach)
    activity.created_at = datetime(2025, 9, 10, 17, 5, 9, 999999, tzinfo=UTC)
    db.session.commit()
    login(w.coach)
    header, row = workbook_rows(client.get("/staff/support/export.xlsx"))
    names = [c.value for c in header]
    assert all(" " in n or n[0].isupper() for n in names) and not any("_" in n for n in names)
    cell = dict(zip(names, row, strict=True))
    assert cell["Date"].is_date and cell["Date"].value == datetime(2025, 9, 10)
    assert cell["Created at"].is_date and cell["Created at"].value == datetime(2025, 9, 10, 10, 5, 9)
    assert (cell["Kind"].value, cell["Modality"].value) == ("Consultation visit", "On-site")
    assert cell["Topics"].value == "Collaborative leadership and practices"
    assert cell["Notes"].value == "@SUM(A1)" and cell["Notes"].data_type == "s" and cell["Notes"].quotePrefix
    assert cell["Duration (minutes)"].data_type == "n" and cell["Duration (minutes)"].value == 90
    assert cell["Subregion"].value.startswith("4 · ")
    assert date(2025, 9, 10) == cell["Date"].value.date()
