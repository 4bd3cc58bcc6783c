"""Bulk import of support activities: refused whole with line numbers, idempotent, UTF-8 with or without BOM."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.support.importer import ImportRefused, import_csv
from csi_events.support.models import SupportActivity
from tests.test_support_services import make_world

DATA = Path(__file__).parent / "data"
GOOD = DATA / "support_good.csv"
BAD = DATA / "support_bad.csv"


@pytest.fixture
def w(db):
    world = make_world()
    db.session.commit()
    return world


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SupportActivity))


def upload(client, content: bytes, name: str = "support.csv"):
    return client.post(
        "/staff/support/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_good_file_is_imported_with_every_column(db, w):
    result = import_csv(GOOD.read_bytes(), w.coach, filename="support_good.csv")
    db.session.commit()
    assert (result.rows, result.created, result.skipped) == (3, 3, 0)
    rows = db.session.scalars(select(SupportActivity).order_by(SupportActivity.occurred_on)).all()
    first, second, third = rows
    assert first.occurred_on.isoformat() == "2025-09-10" and first.lea_id == w.alpha.id
    assert sorted(s.cds_code for s in first.schools) == ["19000010000001", "19000010000002"]
    assert [p.email for p in first.contacts] == ["contact@example.org"]
    assert first.topics == "integrated_student_supports attendance" and first.notes == "First visit"
    # M/D/YYYY, LEA by exact name, kind and modality by label, hours with decimals, pillar by label
    assert second.occurred_on.isoformat() == "2025-09-25" and second.lea_id == w.alpha.id
    assert (second.kind, second.modality, second.duration_minutes) == ("coaching", "virtual", 90)
    assert second.topics == "family_community_engagement"
    assert sorted(u.email for u in third.staff) == ["coach@example.org", "lead@example.org"]
    assert third.notes == "Planning, with a comma"
    assert all(r.import_key and len(r.import_key) == 64 for r in rows)
    assert all(r.created_by_id == w.coach.id for r in rows)


def test_importing_twice_stores_each_activity_once(db, w):
    import_csv(GOOD.read_bytes(), w.coach)
    db.session.commit()
    again = import_csv(GOOD.read_bytes(), w.lead)
    db.session.commit()
    assert (again.created, again.skipped) == (0, 3)
    assert count(db) == 3
    # the same rows written differently (BOM, other column order, spacing, case) are still the same rows
    rows = list(csv.DictReader(io.StringIO(GOOD.read_text(encoding="utf-8"))))
    rows[0]["kind"], rows[0]["modality"], rows[0]["notes"] = "Consultation visit", "ON-SITE", "  First   visit "
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(reversed(list(rows[0]))))
    writer.writeheader()
    writer.writerows(rows)
    third = import_csv(("\ufeff" + out.getvalue()).encode("utf-8"), None)
    db.session.commit()
    assert (third.created, third.skipped) == (0, 3)
    assert count(db) == 3


def test_rows_repeated_within_a_file_are_stored_once(db, w):
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    content = "\n".join([*lines, lines[1]]) + "\n"
    result = import_csv(content.encode(), w.coach)
    assert (result.rows, result.created, result.skipped) == (4, 3, 1)


def test_bad_file_is_refused_whole_with_line_numbers(db, w):
    with pytest.raises(ImportRefused) as info:
        import_csv(BAD.read_bytes(), w.coach)
    db.session.rollback()
    lines = info.value.lines
    assert count(db) == 0  # line 2 was fine, yet nothing is stored
    assert not any(line.startswith("line 2:") for line in lines)
    assert "line 3: lea: No LEA has the CD code 9999999." in lines
    assert "line 4: schools: Beta High (19000020000001) is not a school of Alpha Unified." in lines
    assert "line 5: duration: The duration must be more than zero." in lines
    line6 = [line for line in lines if line.startswith("line 6:")]
    assert {line.split(":")[1].strip() for line in line6} == {"date", "kind", "staff"}
    assert any("2099-01-01 is more than a year from today" in line for line in line6)


def test_header_problems_are_reported_on_line_1(db, w):
    content = b"date,lea,kind,colour\n2025-09-10,1900001,coaching,blue\n"
    with pytest.raises(ImportRefused) as info:
        import_csv(content, w.coach)
    assert "line 1: unknown column \u201ccolour\u201d." in info.value.lines
    assert "line 1: the column \u201cmodality\u201d is missing." in info.value.lines
    assert "line 1: add a column duration_minutes or hours." in info.value.lines


def test_line_numbers_count_physical_lines_with_multiline_notes(db, w):
    content = (
        b"date,lea,kind,modality,duration_minutes,notes\n"
        b'2025-09-10,1900001,coaching,virtual,30,"two\nlines"\n'
        b"2025-09-11,1900001,coaching,virtual,abc,\n"
    )
    with pytest.raises(ImportRefused) as info:
        import_csv(content, w.coach)
    assert info.value.lines == ["line 4: duration: Enter the duration as a number."]


def test_not_utf8_and_empty_files_are_refused(db, w):
    latin = "date,lea,kind,modality,duration_minutes,notes\n2025-09-10,1900001,coaching,virtual,30,caf\u00e9\n"
    with pytest.raises(ImportRefused) as info:
        import_csv(latin.encode("cp1252"), w.coach)
    assert "not UTF-8" in info.value.lines[0]
    with pytest.raises(ImportRefused):
        import_csv(b"", w.coach)
    with pytest.raises(ImportRefused) as info:
        import_csv(b"date,lea,kind,modality,hours\n", w.coach)
    assert info.value.lines == ["The file has no activity rows."]
    assert count(db) == 0


def test_upload_page_imports_and_reports(client, login, db, w):
    login(w.coach)
    assert client.get("/staff/support/import").status_code == 200
    response = upload(client, GOOD.read_bytes())
    assert response.status_code == 302
    assert count(db) == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 rows read: 3 imported, 0 already present." in page
    response = upload(client, b"\xef\xbb\xbf" + GOOD.read_bytes())  # with a BOM, a second time
    assert response.status_code == 302
    assert count(db) == 3
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "support_activities_imported").order_by(AuditEvent.id)
    ).all()
    assert [(e.details["created"], e.details["skipped"]) for e in audit] == [(3, 0), (0, 3)]


def test_upload_page_lists_the_lines_to_fix(client, login, db, w):
    login(w.coach)
    response = upload(client, BAD.read_bytes())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nothing was stored" in html
    assert "line 3: lea: No LEA has the CD code 9999999." in html
    assert "line 5: duration: The duration must be more than zero." in html
    assert count(db) == 0


def test_cli_import_is_idempotent_and_refuses_bad_files(app, db, w):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["support", "import", str(GOOD), "--as", "coach@example.org"])
    assert result.exit_code == 0, result.output
    assert "3 rows read: 3 imported, 0 already present." in result.output
    result = runner.invoke(args=["support", "import", str(GOOD)])
    assert result.exit_code == 0, result.output
    assert "0 imported, 3 already present." in result.output
    assert count(db) == 3
    created_by = set(db.session.scalars(select(SupportActivity.created_by_id)))
    assert created_by == {w.coach.id}

    result = runner.invoke(args=["support", "import", str(BAD)])
    assert result.exit_code != 0
    assert "line 3: lea: No LEA has the CD code 9999999." in result.output
    assert count(db) == 3

    result = runner.invoke(args=["support", "import", str(GOOD), "--as", "nobody@example.org"])
    assert result.exit_code != 0 and "No user" in result.output


def test_only_staff_may_import(db, w):
    from csi_events.errors import Forbidden

    with pytest.raises(Forbidden):
        import_csv(GOOD.read_bytes(), w.facilitator)
    assert count(db) == 0
