"""The hand-counted fixture gives the same figures on the dashboard, the LEA page, the exports and the API."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from csi_events.models import AuditEvent
from tests import report_fixture
from tests.factories import make_user

YEAR = {"from": "2024-07-01", "to": "2025-06-30"}


def figures_from_html(html: str) -> dict[str, int]:
    found = re.findall(r'id="figure-(\w+)"><a href="[^"]*">([\d,]+)</a>', html)
    return {name: int(value.replace(",", "")) for name, value in found}


def staff(login):
    return login(make_user("staff"))


def test_dashboard_shows_hand_counted_figures(app, client, login):
    report_fixture.build()
    staff(login)
    response = client.get("/staff/reports", query_string=YEAR)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert figures_from_html(html) == report_fixture.EXPECTED_AFTER_MERGE
    sentence = re.search(r'<blockquote id="sentence"[^>]*><p>(.*?)</p>', html).group(1)
    assert sentence == (
        "In 2024-25, 4 learning opportunities reached 9 attendees representing 6 unique individuals "
        "from 4 schools in 3 LEAs."
    )
    # Charts are accessible images with a title, each beside a table with the same numbers.
    assert html.count('role="img"') == 6
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
    subs = {s["subregion"]: (s["attendances"], s["unique_individuals"]) for s in body["by_subregion"]}
    assert subs == report_fixture.EXPECTED_BY_SUBREGION
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
