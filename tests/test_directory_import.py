"""The CDE import: create, update, close, idempotent re-import, county filter, refused files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.directory.cde_import import CdeFileError, parse
from csi_events.directory.models import Lea, School
from csi_events.directory.services import import_directory
from tests.factories import make_lea, make_school

DATA = Path(__file__).parent / "data"
SMALL = DATA / "pubschls_small.txt"
UPDATE = DATA / "pubschls_small_update.txt"


def run_import(app, path: Path | str, *extra: str):
    return app.test_cli_runner().invoke(args=["directory", "import", str(path), *extra])


def leas(db) -> dict[str, Lea]:
    return {lea.cd_code: lea for lea in db.session.scalars(select(Lea))}


def schools(db) -> dict[str, School]:
    return {s.cds_code: s for s in db.session.scalars(select(School))}


def snapshot(db) -> list[tuple]:
    rows = db.session.execute(
        select(School.cds_code, School.name, School.city, School.is_closed, School.lea_id, School.updated_at)
    ).all()
    rows += db.session.execute(select(Lea.cd_code, Lea.name, Lea.kind, Lea.is_closed, Lea.updated_at)).all()
    return sorted(tuple(str(v) for v in r) for r in rows)


def test_first_import_creates_leas_and_schools_of_los_angeles_only(app, db):
    result = run_import(app, SMALL)
    assert result.exit_code == 0, result.output
    assert "LEAs: 5 created, 0 updated, 0 unchanged, 0 closed." in result.output
    assert "Schools: 8 created, 0 updated, 0 unchanged, 0 closed." in result.output
    assert "2 rows of other counties skipped" in result.output

    by_code = leas(db)
    assert set(by_code) == {"1910199", "1964733", "1964725", "1964634", "1976869"}
    assert by_code["1910199"].kind == "county_office"
    assert by_code["1964733"].kind == "district"
    assert by_code["1964733"].name == "Los Angeles Unified"
    assert by_code["1964634"].name == "La Cañada Unified"
    # no district row and only charter schools: a charter LEA
    assert by_code["1976869"].kind == "charter"
    assert by_code["1976869"].name == "Vista Horizon Charter Academy"
    assert all(lea.county == "Los Angeles" for lea in by_code.values())

    found = schools(db)
    assert "30665556030126" not in found  # Orange County
    assert found["19647336016091"].name == "Esperanza Elementary"
    assert found["19647336016091"].lea.cd_code == "1964733"
    assert found["19646346012017"].city == "La Cañada Flintridge"
    assert found["19647331931047"].is_closed is True  # StatusType Closed
    assert found["19647256011019"].is_closed is True  # StatusType Merged
    assert found["19647256011001"].is_closed is False
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "directory_import")
    )


def test_reimporting_the_same_file_changes_nothing(app, db):
    assert run_import(app, SMALL).exit_code == 0
    before = snapshot(db)
    db.session.expire_all()
    result = run_import(app, SMALL)
    assert result.exit_code == 0, result.output
    assert "LEAs: 0 created, 0 updated, 5 unchanged, 0 closed." in result.output
    assert "Schools: 0 created, 0 updated, 8 unchanged, 0 closed." in result.output
    assert "Nothing changed." in result.output
    db.session.expire_all()
    assert snapshot(db) == before  # not even updated_at moved


def test_update_renames_closes_adds_and_keeps_staff_fields(app, db):
    assert run_import(app, SMALL).exit_code == 0
    lausd = db.session.scalar(select(Lea).where(Lea.cd_code == "1964733"))
    lausd.subregion, lausd.ccspp_status, lausd.kind = 4, "implementation", "district"
    school = db.session.scalar(select(School).where(School.cds_code == "19647336016091"))
    school.subregion, school.ccspp_status = 6, "planning"
    db.session.commit()

    result = run_import(app, UPDATE)
    assert result.exit_code == 0, result.output
    assert "LEAs: 0 created, 0 updated, 5 unchanged, 0 closed." in result.output
    assert "Schools: 1 created, 1 updated, 6 unchanged, 1 closed." in result.output

    db.session.expire_all()
    found = schools(db)
    renamed = found["19647336016091"]
    assert renamed.name == "Esperanza Elementary School"
    assert (renamed.subregion, renamed.ccspp_status) == (6, "planning")  # staff's, untouched
    assert found["19647336018295"].is_closed is True  # closed, not deleted
    assert found["19647336120000"].name == "Sotomayor Arts and Sciences Magnet"
    assert found["19647336120000"].subregion == 4  # a new school starts with its LEA's subregion
    lausd = leas(db)["1964733"]
    assert (lausd.subregion, lausd.ccspp_status) == (4, "implementation")


def test_a_school_reopened_by_cde_is_open_again(app, db):
    lea = make_lea(cd_code="1964733", name="Los Angeles Unified")
    make_school(lea, cds_code="19647336016091", name="Esperanza Elementary", is_closed=True, city="Los Angeles")
    db.session.commit()
    result = run_import(app, SMALL)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert schools(db)["19647336016091"].is_closed is False


@pytest.mark.parametrize("name", ["pubschls_small_cp1252.txt", "pubschls_small_bom.txt"])
def test_windows_1252_and_bom_files_give_the_same_directory(app, db, name):
    parsed = parse((DATA / name).read_bytes())
    assert parsed.encoding == ("cp1252" if "cp1252" in name else "utf-8")
    reference = parse(SMALL.read_bytes())
    assert [r.__dict__ | {"line": 0} for r in parsed.rows] == [r.__dict__ | {"line": 0} for r in reference.rows]
    import_directory(parsed)
    db.session.commit()
    assert leas(db)["1964634"].name == "La Cañada Unified"


def test_county_option_keeps_another_county(app, db):
    result = run_import(app, SMALL, "--county", "orange")
    assert result.exit_code == 0, result.output
    assert set(leas(db)) == {"3066555"}
    assert set(schools(db)) == {"30665556030126"}


def test_unknown_county_is_refused(app, db):
    result = run_import(app, SMALL, "--county", "Atlantis")
    assert result.exit_code != 0
    assert "no rows for the county Atlantis" in result.output
    assert leas(db) == {}


def _lines() -> list[str]:
    return SMALL.read_text(encoding="utf-8").split("\n")


def _broken(tmp_path, mutate, *, raw: bytes | None = None) -> Path:
    path = tmp_path / "pubschls.txt"
    if raw is not None:
        path.write_bytes(raw)
    else:
        lines = _lines()
        mutate(lines)
        path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _drop_field(lines):
    lines[9] = lines[9].rsplit("\t", 1)[0]


def _bad_cds(lines):
    lines[11] = "1964634601201\t" + lines[11].split("\t", 1)[1]


def _letters_in_cds(lines):
    lines[4] = "19647336O16091\t" + lines[4].split("\t", 1)[1]


def _bad_status(lines):
    lines[6] = lines[6].replace("\tClosed\t", "\tGone\t")


def _missing_column(lines):
    lines[0] = lines[0].replace("StatusType", "Status")


def _duplicate(lines):
    lines.insert(13, lines[4])


def _empty_school_name(lines):
    fields = lines[5].split("\t")
    fields[6] = ""
    lines[5] = "\t".join(fields)


@pytest.mark.parametrize(
    ("mutate", "line", "reason"),
    [
        (_drop_field, 10, "24 fields where the header has 25"),
        (_bad_cds, 12, "is not 14 digits"),
        (_letters_in_cds, 5, "is not 14 digits"),
        (_bad_status, 7, "Unknown StatusType"),
        (_missing_column, 1, "lacks the column(s) StatusType"),
        (_duplicate, 14, "already appears on line 5"),
        (_empty_school_name, 6, "School name is empty"),
    ],
)
def test_malformed_file_is_refused_with_line_and_nothing_is_applied(app, db, tmp_path, mutate, line, reason):
    lea = make_lea(cd_code="1964733", name="Old Name Unified")
    db.session.commit()
    result = run_import(app, _broken(tmp_path, mutate))
    assert result.exit_code != 0
    assert f"line {line}:" in result.output
    assert reason in result.output
    assert "nothing was imported" in result.output
    db.session.expire_all()
    assert list(leas(db)) == ["1964733"] and db.session.get(Lea, lea.id).name == "Old Name Unified"
    assert schools(db) == {}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_bytes_that_are_no_known_encoding_are_refused_with_the_line(app, db, tmp_path):
    raw = SMALL.read_bytes().split(b"\n")
    raw[7] = raw[7].replace(b"Long Beach Unified", b"Long Beach \x81nified")  # 0x81: not UTF-8, not cp1252
    result = run_import(app, _broken(tmp_path, None, raw=b"\n".join(raw)))
    assert result.exit_code != 0
    assert "line 8:" in result.output and "0x81" in result.output
    assert leas(db) == {}


def test_utf16_and_binary_files_are_refused(app, db, tmp_path):
    utf16 = _broken(tmp_path, None, raw=SMALL.read_text(encoding="utf-8").encode("utf-16"))
    result = run_import(app, utf16)
    assert result.exit_code != 0 and "UTF-16" in result.output
    with pytest.raises(CdeFileError) as err:
        parse(b"CDSCode\tStatusType\tCounty\tDistrict\tSchool\n\x00\x01\x02")
    assert err.value.problems[0][0] == 2


def test_empty_file_is_refused(app, db, tmp_path):
    result = run_import(app, _broken(tmp_path, None, raw=b""))
    assert result.exit_code != 0 and "lacks the column(s)" in result.output


def test_import_applies_nothing_when_a_late_row_fails_mid_way(app, db, tmp_path):
    """Every line is parsed before the first write: a problem on the last line still leaves the DB empty."""
    lines = _lines()
    lines.insert(len(lines) - 1, "19647330000000\tshort line")
    path = tmp_path / "late.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_import(app, path)
    assert result.exit_code != 0 and f"line {len(lines) - 1}:" in result.output
    assert leas(db) == {} and schools(db) == {}


def test_district_row_of_a_closed_lea_closes_it(app, db, tmp_path):
    lines = _lines()
    lines[7] = lines[7].replace("\tActive\t", "\tMerged\t")  # Long Beach Unified district row
    path = tmp_path / "merged.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert run_import(app, SMALL).exit_code == 0
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "LEAs: 0 created, 0 updated, 4 unchanged, 1 closed." in result.output
    db.session.expire_all()
    assert leas(db)["1964725"].is_closed is True
