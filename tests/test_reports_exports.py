"""Exports: formula-safe cells, local times, audit of personal data, and the support figures in the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from csi_events.models import AuditEvent, CheckIn
from tests.factories import make_opportunity, make_person, make_user


def test_exported_cells_never_run_as_formulas(app, client, login, db):
    opp = make_opportunity(title="+SUM(1,2)", starts_at=datetime(2025, 3, 4, 23, 30, tzinfo=UTC))
    person = make_person(first_name='=HYPERLINK("http://x")', last_name="@evil", organization="-1")
    db.session.add(CheckIn(session_id=opp.sessions[0].id, person_id=person.id, checked_in_at=opp.sessions[0].starts_at))
    db.session.commit()
    user = login(make_user("staff"))
    args = {"from": "2025-03-01", "to": "2025-03-31", "figure": "attendances"}
    text = client.get("/staff/reports/rows.csv", query_string=args).get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    header, row = rows[0], rows[1]
    assert row[header.index("First name")] == '\'=HYPERLINK("http://x")'
    assert row[header.index("Last name")] == "'@evil"
    assert row[header.index("Opportunity")] == "'+SUM(1,2)"
    assert row[header.index("School or organization")] == "'-1"
    # 23:30 UTC on March 4 is 15:30 in Los Angeles.
    assert row[header.index("Session starts (local time)")] == "2025-03-04 15:30"  # no seconds

    sheet = load_workbook(io.BytesIO(client.get("/staff/reports/rows.xlsx", query_string=args).data)).active
    cells = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    # XLSX: a text cell showing exactly what was typed (no apostrophe), and a real date cell.
    assert '=HYPERLINK("http://x")' in cells and datetime(2025, 3, 4, 15, 30) in cells

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_user_id, e.target_id, e.details["format"]) for e in events] == [
        (user.id, "attendances", "csv"),
        (user.id, "attendances", "xlsx"),
    ]
    # Aggregates without personal data are not audited.
    client.get("/staff/reports/rows.csv", query_string={**args, "figure": "leas"})
    client.get("/staff/reports/report.csv", query_string=args)
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()) == 2
    assert client.get("/staff/reports/rows.pdf", query_string=args).status_code == 404
    assert client.get("/staff/reports/rows.csv", query_string={**args, "figure": "nope"}).status_code == 422


def test_summary_carries_support_figures(app, client, login):
    login(make_user("staff"))
    body = client.get("/api/v1/reports/summary?from=2024-07-01&to=2025-06-30").get_json()
    assert body["support_activities"] == 0 and body["support_hours"] == 0
    assert body["attendances"] == 0 and len(body["by_month"]) == 12
