"""The hand-counted fixture gives the same figures on the dashboard, the LEA page, the exports and the API."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from csi_events.directory.subregions import SUBREGIONS
from csi_events.models import AuditEvent
from tests import report_fixture
from tests.factories import make_user

YEAR = {"from": "2024-07-01", "to": "2025-06-30"}


def figures_from_html(html: str) -> dict[str, int]:
    found = re.findall(r'id="figure-(\w+)"><a href="[^"]*">([\d,]+)</a>', html)
    return {name: int(value.replace(",", "")) for name, value in found}


def subregion_name(number: int) -> str:
    return str(SUBREGIONS[number])


def staff(login):
    return login(make_user("staff"))


def test_dashboard_shows_hand_counted_figures(app, client, login):
    report_fixture.build()
    staff(login)
    response = client.get("/staff/reports", query_string=YEAR)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    figures = figures_from_html(html)
    # The headline figures, then support activities and their LEAs beside them (none in the fixture).
    assert figures == {**report_fixture.EXPECTED_AFTER_MERGE, "support_activities": 0, "support_leas": 0}
    sentence = re.search(r'<blockquote id="sentence"[^>]*><p>(.*?)</p>', html).group(1)
    assert re.sub(r"<[^>]+>", "", sentence) == (
        "In the 2024-25 school year the Greater Los Angeles R-TAC offered 4 learning opportunities that reached "
        "9 attendees, representing 6 unique individuals from 4 schools in 3 subregions."
    )
    # Charts are accessible images with a title, each with a table of the same numbers behind "Show as table".
    assert html.count('role="img"') == 6
    assert html.count("<summary>Show as table</summary>") == 6
    # By subregion of the participants' schools (A2 without one counts under LEA A's 4; C1 has its own 7), and
    # how many participants have neither; by the opportunity's own subregion as a second chart.
    people_table = html[html.index('id="split-people_subregion-table"') :]
    people_table = people_table[: people_table.index("</table>")]
    for number, (attendances, _attendees, _individuals) in report_fixture.EXPECTED_BY_PEOPLE_SUBREGION.items():
        if number is not None:
            assert (
                f"people_subregion={number}&amp;figure=attendances" in people_table
                or f"people_subregion={number}" in people_table
            )
            assert f">{attendances}</a>" in people_table
    assert "1 participant has neither." in html
    assert "By subregion of the participants&#39; schools" in html and "By subregion of the opportunity" in html
    assert '<title id="chart-month-title">' in html
    month_table = html[html.index('id="split-month-table"') :]
    month_table = month_table[: month_table.index("</table>")]
    assert ">5</a>" in month_table and ">3</a>" in month_table


def test_lea_page_and_api_agree(app, client, login):
    world = report_fixture.build()
    staff(login)
    html = client.get("/staff/reports/leas/1900001", query_string=YEAR).get_data(as_text=True)
    figures = figures_from_html(html)
    expected = report_fixture.EXPECTED_LEA_A
    assert figures == {
        "attendances": expected["attendances"],
        "attendees": expected["attendees"],
        "unique_individuals": expected["unique_individuals"],
        "schools": expected["schools"],
        "sessions": expected["sessions"],
    }
    assert "Alpha High" in html and "Alpha Middle" in html
    assert "Ana Lopez" in html and "Ben Okafor" in html and "Cai Wong" not in html

    body = client.get("/api/v1/leas/1900001/attendance", query_string=YEAR).get_json()
    assert (body["attendances"], body["attendees"], body["unique_individuals"]) == (5, 3, 2)
    assert body["sessions_attended"] == 3
    assert {s["cds_code"]: (s["attendances"], s["unique_individuals"]) for s in body["schools"]} == {
        world.schools["A1"].cds_code: (3, 1),
        world.schools["A2"].cds_code: (2, 1),
    }
    assert {p["id"]: p["attendances"] for p in body["people"]} == {
        world.people["p1"].id: 3,
        world.people["p2"].id: 2,
    }


def test_api_summary_matches(app, client, login):
    report_fixture.build()
    staff(login)
    body = client.get("/api/v1/reports/summary", query_string=YEAR).get_json()
    for name, value in report_fixture.EXPECTED_AFTER_MERGE.items():
        assert body[name] == value, name
    months = {m["month"]: m["attendances"] for m in body["by_month"] if m["attendances"]}
    assert months == report_fixture.EXPECTED_BY_MONTH
    by_people = {
        s["subregion"]: (s["attendances"], s["attendees"], s["unique_individuals"]) for s in body["by_subregion"]
    }
    assert by_people == report_fixture.EXPECTED_BY_PEOPLE_SUBREGION  # the default basis: the participants' schools
    assert {s["basis"] for s in body["by_subregion"]} == {"participants"}
    assert body["participants_without_subregion"] == 1
    by_opportunity = client.get("/api/v1/reports/summary", query_string={**YEAR, "subregion_basis": "opportunity"})
    rows = by_opportunity.get_json()["by_subregion"]
    assert {s["subregion"]: (s["attendances"], s["unique_individuals"]) for s in rows} == (
        report_fixture.EXPECTED_BY_SUBREGION
    )
    assert {s["basis"] for s in rows} == {"opportunity"}
    bad = client.get("/api/v1/reports/summary", query_string={**YEAR, "subregion_basis": "schools"})
    assert bad.status_code == 422
    lea_body = client.get("/api/v1/reports/summary", query_string={**YEAR, "lea": "1900001"}).get_json()
    assert {k: lea_body[k] for k in report_fixture.EXPECTED_LEA_A} == report_fixture.EXPECTED_LEA_A


def test_exports_carry_the_same_rows(app, client, login, db):
    report_fixture.build()
    staff(login)
    response = client.get("/staff/reports/rows.csv", query_string={**YEAR, "figure": "attendances"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) - 1 == report_fixture.EXPECTED_AFTER_MERGE["attendances"]
    header = rows[0]
    people = {r[header.index("Person id")] for r in rows[1:]}
    assert len(people) == report_fixture.EXPECTED_AFTER_MERGE["unique_individuals"]
    pairs = {(r[header.index("Person id")], r[header.index("Opportunity id")]) for r in rows[1:]}
    assert len(pairs) == report_fixture.EXPECTED_AFTER_MERGE["attendees"]
    assert len({r[header.index("LEA CD code")] for r in rows[1:]} - {""}) == 3
    assert len({r[header.index("School CDS code")] for r in rows[1:]} - {""}) == 4

    response = client.get("/staff/reports/rows.xlsx", query_string={**YEAR, "figure": "attendances"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row - 1 == report_fixture.EXPECTED_AFTER_MERGE["attendances"]

    lea_csv = client.get("/staff/reports/rows.csv", query_string={**YEAR, "figure": "attendances", "lea": "1900001"})
    assert len(lea_csv.get_data(as_text=True).strip().splitlines()) - 1 == report_fixture.EXPECTED_LEA_A["attendances"]

    report = client.get("/staff/reports/report.csv", query_string=YEAR)
    table = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    headline = {r[1]: int(r[5]) for r in table[1:] if r[0] == "Headline"}
    assert headline["Attendances"] == 13 and headline["Unique individuals"] == 6 and headline["Attendees"] == 9
    report_x = load_workbook(io.BytesIO(client.get("/staff/reports/report.xlsx", query_string=YEAR).data)).active
    values = {row[1]: row[5] for row in report_x.iter_rows(min_row=2, values_only=True) if row[0] == "Headline"}
    assert values["LEAs reached"] == 3 and values["Schools reached"] == 4
    assert values["Learning opportunities with attendance"] == 3 and values["Subregions reached"] == 3
    by_people = {
        row[1]: row[2]
        for row in report_x.iter_rows(min_row=2, values_only=True)
        if row[0].startswith("By subregion of the participants")
    }
    assert by_people == {
        "4 · " + subregion_name(4): 5,
        "2 · " + subregion_name(2): 5,
        "7 · " + subregion_name(7): 2,
        "Neither school nor LEA has one": 1,
    }

    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(exports) == 3  # the personal ones: attendance rows as CSV, XLSX, and the LEA's CSV


def test_every_figure_links_to_rows_that_count_it(app, client, login):
    report_fixture.build()
    staff(login)
    for figure, value in report_fixture.EXPECTED_AFTER_MERGE.items():
        html = client.get("/staff/reports/rows", query_string={**YEAR, "figure": figure}).get_data(as_text=True)
        heading = re.search(r"<h1>[^<]*: ([\d,]+)</h1>", html).group(1)
        assert int(heading.replace(",", "")) == value, figure
        assert html.count("<tr>") - 1 == value, figure  # header row + one row per counted thing
