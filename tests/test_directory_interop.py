"""The directory with real data: searches regardless of accents (both databases), Pending schools are not
open, and a bad line of another county does not refuse the county being imported."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from csi_events.directory.models import Lea, School
from tests.factories import make_lea, make_school, make_user

SMALL = Path(__file__).parent / "data" / "pubschls_small.txt"


def lines() -> list[str]:
    return SMALL.read_text(encoding="utf-8").split("\n")


def write(tmp_path, rows: list[str]) -> Path:
    path = tmp_path / "pubschls.txt"
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


def run_import(app, path: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["directory", "import", str(path), *extra])


def test_a_bad_line_of_another_county_does_not_refuse_the_county(app, db, tmp_path):
    rows = lines()
    orange = rows[14].split("\t")
    assert orange[4] == "Orange"
    rows[14] = "\t".join(["3066555603012X"] + orange[1:-2])  # bad code, two fields short
    rows.insert(15, "\t".join(rows[13].split("\t")))  # and a duplicate line of Orange County
    path = write(tmp_path, rows)
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "3 rows of other counties skipped" in result.output
    assert "Schools: 8 created" in result.output
    # Importing Orange County itself still refuses its own bad lines.
    result = run_import(app, path, "--county", "Orange")
    assert result.exit_code != 0 and "line 15:" in result.output and "nothing was imported" in result.output


def test_a_bad_line_of_the_county_still_refuses_the_file(app, db, tmp_path):
    rows = lines()
    rows[5] = "1964733601829\t" + rows[5].split("\t", 1)[1]
    result = run_import(app, write(tmp_path, rows))
    assert result.exit_code != 0 and "line 6:" in result.output
    assert db.session.scalar(select(School)) is None


def test_pending_schools_are_not_imported_as_open(app, db, tmp_path):
    rows = lines()
    rows[4] = rows[4].replace("\tActive\t", "\tPending\t")  # Esperanza Elementary, not open yet
    assert "\tPending\t" in rows[4]
    assert run_import(app, write(tmp_path, rows)).exit_code == 0
    school = db.session.scalar(select(School).where(School.cds_code == "19647336016091"))
    assert school.is_closed is True
    # It opens when CDE says Active.
    assert run_import(app, SMALL).exit_code == 0
    db.session.expire_all()
    assert db.session.get(School, school.id).is_closed is False


def test_search_ignores_accents_and_case(client, db, login):
    login(make_user("staff"))
    lea = make_lea(name="La Cañada Unified", cd_code="1964634")
    make_school(lea, name="Escuela Niños Felices", city="La Cañada Flintridge")
    make_school(lea, name="Académie Lafayette", city="Pasadena")
    make_school(lea, name="Plain School", city="Pasadena")
    db.session.commit()
    for query, expected in (("ninos", "Escuela Niños Felices"), ("ACADEMIE", "Académie Lafayette")):
        html = client.get("/staff/directory/schools", query_string={"q": query}).get_data(as_text=True)
        assert expected in html and "Plain School" not in html
        body = client.get("/api/v1/schools", query_string={"q": query}).get_json()
        assert [item["name"] for item in body["items"]] == [expected]
    html = client.get("/staff/directory/schools", query_string={"q": "canada"}).get_data(as_text=True)
    assert "Escuela Niños Felices" in html and "Plain School" not in html  # by city
    body = client.get("/api/v1/leas", query_string={"q": "cañada"}).get_json()
    assert [item["name"] for item in body["items"]] == ["La Cañada Unified"]
    body = client.get("/api/v1/leas", query_string={"q": "canada"}).get_json()
    assert [item["name"] for item in body["items"]] == ["La Cañada Unified"]
    assert db.session.scalar(select(Lea).where(Lea.name == "La Cañada Unified")) is not None
