"""Staff directory pages: access, lists with filters and counts, edits (and refused edits), upload import."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, select

from csi_events.audit.models import AuditEvent
from csi_events.directory.models import Lea, School
from tests.factories import make_lea, make_school, make_user

DATA = Path(__file__).parent / "data"


@pytest.fixture
def staff(db, login):
    user = make_user("staff")
    db.session.commit()
    return login(user)


@contextmanager
def count_queries(db):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_pages_need_a_staff_account(client, db, login):
    lea = make_lea()
    school = make_school(lea)
    facilitator = make_user("facilitator")
    db.session.commit()
    urls = [
        "/staff/directory/leas",
        f"/staff/directory/leas/{lea.id}",
        f"/staff/directory/leas/{lea.id}/edit",
        "/staff/directory/schools",
        f"/staff/directory/schools/{school.id}/edit",
        "/staff/directory/import",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
    login(facilitator)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/directory/leas/{lea.id}/edit", data={"kind": "charter"}).status_code == 403
    assert db.session.get(Lea, lea.id).kind == "district"


def test_lea_list_shows_filters_and_school_counts(client, db, staff):
    big = make_lea(name="Pasadena Unified", cd_code="1964881", subregion=3, ccspp_status="implementation")
    make_lea(name="Compton Unified", cd_code="1973437", subregion=6)
    make_lea(name="Bright Star Charter", cd_code="1976555", subregion=4, kind="charter")
    for i in range(3):
        make_school(big, name=f"Pasadena School {i}")
    make_school(big, name="Old Pasadena School", is_closed=True)
    db.session.commit()

    html = client.get("/staff/directory/leas").get_data(as_text=True)
    assert "3 LEAs" in html
    assert "Pasadena Unified" in html and "Compton Unified" in html
    assert "(+1 closed)" in html

    html = client.get("/staff/directory/leas?subregion=3").get_data(as_text=True)
    assert "Pasadena Unified" in html and "Compton Unified" not in html
    html = client.get("/staff/directory/leas?kind=charter").get_data(as_text=True)
    assert "Bright Star Charter" in html and "Pasadena Unified" not in html
    html = client.get("/staff/directory/leas?ccspp=implementation").get_data(as_text=True)
    assert "1 LEA" in html and "Pasadena Unified" in html
    html = client.get("/staff/directory/leas?q=compton").get_data(as_text=True)
    assert "Compton Unified" in html and "Pasadena Unified" not in html
    html = client.get("/staff/directory/leas?q=197343").get_data(as_text=True)
    assert "Compton Unified" in html and "Pasadena Unified" not in html
    # junk filters are ignored, never a 500
    assert client.get("/staff/directory/leas?subregion=99&kind=x&page=abc&ccspp=%00").status_code == 200
    # a LIKE wildcard is searched literally
    assert "No LEA matches" in client.get("/staff/directory/leas?q=%25").get_data(as_text=True)


def test_lea_list_paginates_and_keeps_filters(client, db, staff):
    for i in range(55):
        make_lea(name=f"District {i:02d} Unified", subregion=2)
    db.session.commit()
    html = client.get("/staff/directory/leas?subregion=2").get_data(as_text=True)
    assert "Page 1 of 2" in html and "District 49 Unified" in html and "District 50 Unified" not in html
    assert "subregion=2" in html and "page=2" in html
    html = client.get("/staff/directory/leas?subregion=2&page=2").get_data(as_text=True)
    assert "District 54 Unified" in html and "District 00 Unified" not in html


def test_lea_list_runs_a_fixed_number_of_queries(client, db, staff):
    def queries_for_page() -> int:
        with count_queries(db) as statements:
            assert client.get("/staff/directory/leas").status_code == 200
        return len(statements)

    for i in range(3):
        make_school(make_lea(name=f"Small {i}"))
    db.session.commit()
    few = queries_for_page()
    for i in range(30):
        lea = make_lea(name=f"More {i}")
        make_school(lea)
        make_school(lea)
    db.session.commit()
    assert queries_for_page() == few


def test_school_list_runs_a_fixed_number_of_queries(client, db, staff):
    def queries_for_page() -> int:
        with count_queries(db) as statements:
            assert client.get("/staff/directory/schools").status_code == 200
        return len(statements)

    make_school(make_lea())
    db.session.commit()
    few = queries_for_page()
    for _i in range(20):
        make_school(make_lea())
    db.session.commit()
    assert queries_for_page() == few


def test_lea_detail_lists_its_schools(client, db, staff):
    lea = make_lea(name="Burbank Unified", cd_code="1964337")
    make_school(lea, name="Bret Harte Elementary", cds_code="19643376011456")
    make_school(lea, name="Closed Annex", is_closed=True)
    make_school(make_lea(name="Other"), name="Elsewhere High")
    db.session.commit()
    html = client.get(f"/staff/directory/leas/{lea.id}").get_data(as_text=True)
    assert "Bret Harte Elementary" in html and "19643376011456" in html
    assert "Closed Annex" in html and "Elsewhere High" not in html
    assert "1 open, 1 closed" in html
    assert client.get("/staff/directory/leas/999999").status_code == 404


def test_edit_lea_sets_subregion_ccspp_and_kind_and_is_audited(client, db, staff):
    lea = make_lea(name="Lynwood Unified", subregion=None)
    db.session.commit()
    form = client.get(f"/staff/directory/leas/{lea.id}/edit").get_data(as_text=True)
    assert 'for="subregion"' in form and "6 · South" in form
    response = client.post(
        f"/staff/directory/leas/{lea.id}/edit",
        data={"kind": "district", "subregion": "6", "ccspp_status": "planning", "ccspp_cohort": " Cohort 3 "},
    )
    assert response.status_code == 302
    db.session.expire_all()
    lea = db.session.get(Lea, lea.id)
    assert (lea.subregion, lea.ccspp_status, lea.ccspp_cohort) == (6, "planning", "Cohort 3")
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lea_updated"))
    assert audit.target_id == str(lea.id) and audit.details["changes"]["subregion"] == [None, 6]

    # back to "no subregion"
    response = client.post(
        f"/staff/directory/leas/{lea.id}/edit",
        data={"kind": "district", "subregion": "", "ccspp_status": "planning", "ccspp_cohort": "Cohort 3"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lea, lea.id).subregion is None


@pytest.mark.parametrize("bad", ["9", "0", "-1", "abc", "4.5", " 4x"])
def test_edit_lea_refuses_a_bad_subregion_with_a_message(client, db, staff, bad):
    lea = make_lea(subregion=4)
    db.session.commit()
    response = client.post(
        f"/staff/directory/leas/{lea.id}/edit",
        data={"kind": "district", "subregion": bad, "ccspp_status": "implementation"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a subregion from 1 to 8, or none." in html
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    lea = db.session.get(Lea, lea.id)
    assert (lea.subregion, lea.ccspp_status) == (4, "none")


def test_edit_lea_refuses_unknown_kind_or_status(client, db, staff):
    lea = make_lea()
    db.session.commit()
    for data in (
        {"kind": "university", "subregion": "4", "ccspp_status": "none"},
        {"kind": "district", "subregion": "4", "ccspp_status": "rich"},
    ):
        response = client.post(f"/staff/directory/leas/{lea.id}/edit", data=data)
        assert response.status_code == 422
        assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lea, lea.id).kind == "district"


def test_edit_school_sets_subregion_status_and_closed(client, db, staff):
    school = make_school(make_lea(subregion=4), name="Hollenbeck Middle")
    db.session.commit()
    assert "Hollenbeck Middle" in client.get(f"/staff/directory/schools/{school.id}/edit").get_data(as_text=True)
    response = client.post(
        f"/staff/directory/schools/{school.id}/edit",
        data={"subregion": "7", "ccspp_status": "implementation", "is_closed": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    school = db.session.get(School, school.id)
    assert (school.subregion, school.ccspp_status, school.is_closed) == (7, "implementation", True)

    response = client.post(
        f"/staff/directory/schools/{school.id}/edit", data={"subregion": "12", "ccspp_status": "none"}
    )
    assert response.status_code == 422
    assert "Choose a subregion from 1 to 8" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(School, school.id).subregion == 7


def test_school_list_search_and_closed_filter(client, db, staff):
    lea = make_lea(name="Long Beach Unified", cd_code="1964725")
    make_school(lea, name="Cabrillo High", city="Long Beach", subregion=8)
    make_school(lea, name="Seaside Annex", city="Long Beach", is_closed=True, subregion=8)
    make_school(make_lea(cd_code="1964733"), name="Esperanza Elementary", city="Los Angeles", subregion=4)
    db.session.commit()
    html = client.get("/staff/directory/schools").get_data(as_text=True)
    assert "Cabrillo High" in html and "Esperanza Elementary" in html and "Seaside Annex" not in html
    html = client.get("/staff/directory/schools?closed=1").get_data(as_text=True)
    assert "Seaside Annex" in html
    html = client.get("/staff/directory/schools?lea=1964725").get_data(as_text=True)
    assert "Cabrillo High" in html and "Esperanza Elementary" not in html
    html = client.get("/staff/directory/schools?q=long+beach&subregion=8").get_data(as_text=True)
    assert "Cabrillo High" in html and "Esperanza Elementary" not in html


def test_upload_import_calls_the_same_service(client, db, staff):
    data = {"file": (io.BytesIO((DATA / "pubschls_small.txt").read_bytes()), "pubschls.txt"), "county": "Los Angeles"}
    response = client.post("/staff/directory/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The directory is imported." in html
    assert db.session.scalar(select(Lea).where(Lea.cd_code == "1964733")).name == "Los Angeles Unified"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory_import"))
    assert event.actor_user_id == staff.id and event.details["schools"]["created"] == 8


def test_upload_of_a_malformed_file_is_refused_with_the_line(client, db, staff):
    lines = (DATA / "pubschls_small.txt").read_text(encoding="utf-8").split("\n")
    lines[3] = "123\t" + lines[3].split("\t", 1)[1]
    data = {"file": (io.BytesIO("\n".join(lines).encode()), "pubschls.txt"), "county": "Los Angeles"}
    response = client.post("/staff/directory/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Line 4:" in html and "is not 14 digits" in html and "nothing was imported" in html
    assert db.session.scalar(select(Lea)) is None

    response = client.post("/staff/directory/import", data={"county": "Los Angeles"})
    assert response.status_code == 422
