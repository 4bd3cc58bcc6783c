"""Subregions from a CSV file: the service, the CLI and the staff page; refused whole, idempotent, audited,
and the report figures follow."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.db import commit
from csi_events.directory.models import Lea, School
from csi_events.directory.subregion_import import SubregionFileError, import_subregions
from csi_events.extensions import db as _db
from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters
from tests import report_fixture
from tests.factories import make_lea, make_school, make_user


@pytest.fixture
def places(db):
    lea = make_lea(cd_code="1964733", name="Los Angeles Unified", subregion=None)
    other = make_lea(cd_code="1964725", name="Long Beach Unified", subregion=8)
    school = make_school(lea, cds_code="19647336016091", subregion=None)
    db.session.commit()
    return {"lea": lea.id, "other": other.id, "school": school.id}


def subregions(db, places) -> tuple:
    return tuple(db.session.get(m, places[k]).subregion for m, k in ((Lea, "lea"), (Lea, "other"), (School, "school")))


def audit_count(db) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.in_(("lea_updated", "school_updated")))
    )


GOOD = b"code,subregion\n1964733,4\n19647336016091,6\n1964725,\n"


def test_import_sets_leas_and_schools_and_a_second_import_changes_nothing(db, places):
    result = import_subregions(GOOD)
    commit(db.session)
    assert (result.changed, result.unchanged, result.leas_changed, result.schools_changed) == (3, 0, 2, 1)
    assert subregions(db, places) == (4, None, 6)
    assert audit_count(db) == 3
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "school_updated")).one()
    assert event.details == {"changes": {"subregion": [None, 6]}, "via": "subregion_import"}
    again = import_subregions(GOOD)
    commit(db.session)
    assert (again.changed, again.unchanged) == (0, 3)
    assert audit_count(db) == 3


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(0, "The file is empty.")]),
        (b"code,subregion\n", [(0, "The file has a header but no rows.")]),
        (b"1964733,4\n", [(1, "must name the columns")]),
        (b"code,subregion\n1964733,9\n19647336016091,x\n", [(2, "“9” is not 1 to 8"), (3, "“x” is not 1 to 8")]),
        (b"code,subregion\n196473,4\n", [(2, "neither a 7-digit CD code")]),
        (b"code,subregion\n1964733,4\n1964733,5\n", [(3, "already on line 2 with another subregion")]),
        (b"code,subregion\n1964733,4\n1999999,5\n19999999999999,1\n", [(3, "No LEA has"), (4, "No school has")]),
        (b"\xff\xfec\x00o\x00", [(0, "UTF-16")]),
    ],
)
def test_a_wrong_file_is_refused_whole_with_line_numbers(db, places, data, expected):
    with pytest.raises(SubregionFileError) as refused:
        import_subregions(data)
    _db.session.rollback()
    problems = refused.value.problems
    assert [line for line, _why in problems] == [line for line, _text in expected]
    for (_line, why), (_l, text) in zip(problems, expected, strict=True):
        assert text in why
    assert subregions(db, places) == (None, 8, None)
    assert audit_count(db) == 0


def test_headers_bom_semicolons_windows_1252_and_same_duplicates_are_accepted(db, places):
    data = "\ufeffCDS_Code;Subregion;Note\r\n19647336016091;2;Café\r\n19647336016091;2;again\r\n".encode()
    result = import_subregions(data)
    assert (result.rows, result.changed) == (1, 1)
    assert import_subregions(b"cd_code,subregion,note\n1964733,3,Caf\xe9\n").changed == 1
    assert subregions(db, places) == (3, 8, 2)


def test_cli_imports_and_refuses(app, db, places, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["directory", "import-subregions", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 changed (2 LEAs, 1 schools), 0 unchanged" in result.output
    result = runner.invoke(args=["directory", "import-subregions", str(good)])
    assert "0 changed" in result.output and "3 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"code,subregion\n1964733,1\n1999999,2\n")
    result = runner.invoke(args=["directory", "import-subregions", str(bad)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output and "line 3" in result.output
    db.session.expire_all()
    assert subregions(db, places) == (4, None, 6)


def upload(client, data: bytes):
    return client.post(
        "/staff/directory/subregions/import",
        data={"file": (io.BytesIO(data), "subregions.csv")},
        content_type="multipart/form-data",
    )


def test_staff_page_imports_and_lists_the_refused_lines(client, db, login, places):
    assert client.get("/staff/directory/subregions/import").status_code == 302
    login(make_user("facilitator"))
    assert upload(client, GOOD).status_code == 403
    login(make_user("staff"))
    page = client.get("/staff/directory/subregions/import").get_data(as_text=True)
    assert 'type="file"' in page and "cds_code" in page
    refused = upload(client, b"code,subregion\n1964733,4\n1964733,0\n")
    assert refused.status_code == 422, refused.get_data(as_text=True)[-1500:]
    html = refused.get_data(as_text=True)
    assert "Line 3:" in html and "“0” is not 1 to 8" in html
    db.session.expire_all()
    assert subregions(db, places) == (None, 8, None)
    done = upload(client, GOOD)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "3 changed, 0 unchanged" in html
    db.session.expire_all()
    assert subregions(db, places) == (4, None, 6)
    assert "0 changed, 3 unchanged" in upload(client, GOOD).get_data(as_text=True)
    assert upload(client, b"").status_code == 422


def test_an_import_moves_the_report_figures(app, db):
    """Cached figures and the school-year rollup follow a bulk change (the triggers of reports/watch.py)."""
    world = report_fixture.build(merge=True)
    commit(db.session)
    year = ReportFilters.school_year(2024)

    def by_people_subregion():
        found = queries.figures(year, ("people_subregion",))[1]["people_subregion"]
        return {r.key: r.unique_individuals for r in found}

    assert by_people_subregion() == {4: 2, 2: 2, 7: 1, None: 1}
    before = queries.summary(year).subregions
    db.session.rollback()
    c1 = world.schools["C1"].cds_code
    a = world.leas["A"].cd_code
    # C1's people (p4) now count under 2; LEA A's school A2 (none of its own) takes A's new 5.
    result = import_subregions(f"code,subregion\n{c1},2\n{a},5\n".encode())
    commit(db.session)
    assert result.changed == 2
    assert by_people_subregion() == {4: 1, 5: 1, 2: 3, None: 1}
    assert (before, queries.summary(year).subregions) == (3, 3)
