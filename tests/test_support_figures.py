"""One definition of the support figures: hand-counted, and the same from support_figures(), the list page
totals, the CSV export and the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from csi_events.support.queries import lea_support, support_figures
from csi_events.support.services import SupportInput, create_activity
from tests.factories import make_lea, make_school, make_user

SCHOOL_YEAR = {"date_from": date(2025, 7, 1), "date_to": date(2026, 6, 30)}
YEAR_QUERY = "from=2025-07-01&to=2026-06-30"


@pytest.fixture
def fx(db):
    """Six activities; the one of June 2024 lies outside the 2025-26 school year.

    | # | date       | LEA (subregion) | schools | kind               | modality | min | staff  |
    |---|------------|-----------------|---------|--------------------|----------|-----|--------|
    | 1 | 2025-09-10 | A (4)           | A1, A2  | consultation_visit | on_site  |  90 | s1     |
    | 2 | 2025-09-25 | A (4)           | A1      | coaching           | virtual  |  60 | s2     |
    | 3 | 2025-10-02 | B (2)           | B1      | planning_meeting   | phone    |  45 | s1, s2 |
    | 4 | 2025-10-15 | B (2)           | -       | consultation_visit | on_site  | 120 | s2     |
    | 5 | 2025-11-03 | C (none)        | C1      | document_review    | virtual  |  30 | s1     |
    | 6 | 2024-06-30 | A (4)           | A3      | coaching           | on_site  | 600 | s1     |
    """
    lea_a = make_lea(name="A Unified", cd_code="1910001", subregion=4)
    lea_b = make_lea(name="B Unified", cd_code="1910002", subregion=2)
    lea_c = make_lea(name="C County Office", cd_code="1910003", subregion=None)
    a1, a2, a3 = (make_school(lea_a, name=f"A{i}") for i in (1, 2, 3))
    b1 = make_school(lea_b, name="B1")
    c1 = make_school(lea_c, name="C1")
    s1 = make_user("staff", email="s1@example.org")
    s2 = make_user("staff", email="s2@example.org")
    table = [
        (date(2025, 9, 10), lea_a, [a1, a2], "consultation_visit", "on_site", 90, [s1]),
        (date(2025, 9, 25), lea_a, [a1], "coaching", "virtual", 60, [s2]),
        (date(2025, 10, 2), lea_b, [b1], "planning_meeting", "phone", 45, [s1, s2]),
        (date(2025, 10, 15), lea_b, [], "consultation_visit", "on_site", 120, [s2]),
        (date(2025, 11, 3), lea_c, [c1], "document_review", "virtual", 30, [s1]),
        (date(2024, 6, 30), lea_a, [a3], "coaching", "on_site", 600, [s1]),
    ]
    for occurred_on, lea, schools, kind, modality, minutes, staff in table:
        create_activity(
            SupportInput(
                occurred_on=occurred_on,
                lea=lea.id,
                kind=kind,
                modality=modality,
                duration_minutes=minutes,
                schools=[s.id for s in schools],
                staff=[u.id for u in staff],
            ),
            staff[0],
        )
    db.session.commit()
    return {"a": lea_a, "b": lea_b, "c": lea_c, "s1": s1, "s2": s2}


HAND_COUNTED_YEAR = {
    "count": 5,
    "minutes": 345,
    "hours": Decimal("5.75"),
    "leas": 3,
    "schools": 4,  # A1, A2, B1, C1
    "by_month": [
        {"month": "2025-09", "count": 2, "hours": Decimal("2.50")},
        {"month": "2025-10", "count": 2, "hours": Decimal("2.75")},
        {"month": "2025-11", "count": 1, "hours": Decimal("0.50")},
    ],
    "by_subregion": [
        {"subregion": 2, "count": 2, "hours": Decimal("2.75")},
        {"subregion": 4, "count": 2, "hours": Decimal("2.50")},
        {"subregion": None, "count": 1, "hours": Decimal("0.50")},
    ],
    "by_kind": [
        {"kind": "consultation_visit", "count": 2, "hours": Decimal("3.50")},
        {"kind": "coaching", "count": 1, "hours": Decimal("1.00")},
        {"kind": "planning_meeting", "count": 1, "hours": Decimal("0.75")},
        {"kind": "document_review", "count": 1, "hours": Decimal("0.50")},
    ],
    "by_modality": [
        {"modality": "on_site", "count": 2, "hours": Decimal("3.50")},
        {"modality": "virtual", "count": 2, "hours": Decimal("1.50")},
        {"modality": "phone", "count": 1, "hours": Decimal("0.75")},
    ],
}


def test_support_figures_match_the_hand_count(fx):
    assert support_figures(**SCHOOL_YEAR) == HAND_COUNTED_YEAR


def test_filters_of_support_figures(fx):
    everything = support_figures()
    assert (everything["count"], everything["hours"], everything["leas"], everything["schools"]) == (
        6,
        Decimal("15.75"),
        3,
        5,
    )
    assert everything["by_month"][0] == {"month": "2024-06", "count": 1, "hours": Decimal("10.00")}
    metro = support_figures(**SCHOOL_YEAR, subregion=4)
    assert (metro["count"], metro["hours"], metro["leas"], metro["schools"]) == (2, Decimal("2.50"), 1, 2)
    s1 = support_figures(**SCHOOL_YEAR, staff_id=fx["s1"].id)
    assert (s1["count"], s1["hours"], s1["leas"], s1["schools"]) == (3, Decimal("2.75"), 3, 4)
    visits = support_figures(**SCHOOL_YEAR, kind="consultation_visit", modality="on_site", lea_id=fx["b"].id)
    assert (visits["count"], visits["hours"], visits["leas"], visits["schools"]) == (1, Decimal("2.00"), 1, 0)
    nothing = support_figures(date_from=date(2030, 1, 1))
    assert nothing["count"] == 0 and nothing["hours"] == Decimal("0.00") and nothing["by_month"] == []


def test_lea_support_for_the_lea_page(fx):
    year = lea_support(fx["a"].id, **SCHOOL_YEAR)
    assert (year["count"], year["hours"], year["schools"], year["last_on"]) == (
        2,
        Decimal("2.50"),
        2,
        date(2025, 9, 25),
    )
    assert [(k["kind"], k["count"]) for k in year["by_kind"]] == [("consultation_visit", 1), ("coaching", 1)]
    ever = lea_support(fx["a"].id)
    assert (ever["count"], ever["minutes"], ever["hours"], ever["schools"]) == (3, 750, Decimal("12.50"), 3)


def test_same_figures_on_the_list_page_the_csv_export_and_the_api(fx, client, login, db):
    from csi_events.auth.services import create_api_token

    expected = HAND_COUNTED_YEAR
    login(fx["s1"])

    # list page totals
    html = client.get(f"/staff/support?{YEAR_QUERY}").get_data(as_text=True)
    pattern = r"<strong>([\d.]+)</strong> (support activities|hours|LEAs supported|schools)"
    shown = {name: value for value, name in re.findall(pattern, html)}
    assert shown == {"support activities": "5", "hours": "5.75", "LEAs supported": "3", "schools": "4"}

    # CSV export of the same filters: recount from its rows
    text = client.get(f"/staff/support/export.csv?{YEAR_QUERY}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    minutes = sum(int(r["Duration (minutes)"]) for r in rows)
    schools = {code for r in rows for code in r["School CDS codes"].split("; ") if code}
    assert len(rows) == expected["count"]
    assert minutes == expected["minutes"]
    assert Decimal(minutes) / 60 == expected["hours"]
    assert len({r["LEA CD code"] for r in rows}) == expected["leas"]
    assert len(schools) == expected["schools"]

    # API: list totals and the figures endpoint
    headers = {"Authorization": "Bearer " + create_api_token(fx["s2"], ["read"])}
    db.session.commit()
    listing = client.get(f"/api/v1/support-activities?{YEAR_QUERY}&per_page=2", headers=headers).get_json()
    assert listing["total"] == expected["count"]
    assert listing["totals"] == {"count": 5, "hours": 5.75, "leas": 3, "schools": 4}
    figures = client.get(f"/api/v1/support-activities/figures?{YEAR_QUERY}", headers=headers).get_json()
    assert figures["count"] == 5 and figures["hours"] == 5.75
    assert figures["by_month"] == [
        {"month": m["month"], "count": m["count"], "hours": float(m["hours"])} for m in expected["by_month"]
    ]
    assert figures["by_subregion"] == [
        {"subregion": s["subregion"], "count": s["count"], "hours": float(s["hours"])} for s in expected["by_subregion"]
    ]
    assert [(k["kind"], k["count"], k["hours"]) for k in figures["by_kind"]] == [
        (k["kind"], k["count"], float(k["hours"])) for k in expected["by_kind"]
    ]
    assert [(m["modality"], m["count"]) for m in figures["by_modality"]] == [
        ("on_site", 2),
        ("virtual", 2),
        ("phone", 1),
    ]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_lea_page_and_summary_api_show_the_same_support_figures(fx, client, login, db):
    from csi_events.auth.services import create_api_token

    login(fx["s1"])
    dashboard = _text(client.get(f"/staff/reports?preset=custom&{YEAR_QUERY}").get_data(as_text=True))
    assert "5 support activities, 5.75 hours, with 3 LEAs and 4 schools." in dashboard
    # the splits, each as a table beside its chart: month, subregion, kind, modality
    assert "2025-10 2 2.75" in dashboard
    assert "Consultation visit 2 3.5" in dashboard
    assert "On-site 2 3.5" in dashboard

    lea_page = _text(client.get(f"/staff/reports/leas/1910001?preset=custom&{YEAR_QUERY}").get_data(as_text=True))
    # no attendance in the fixture: the LEA's relationship on one line, support beside attendance
    assert "2 support activities, 2.5 hours, 0 attendees from 0 schools." in lea_page
    assert "Consultation visit 1 1.5" in lea_page and "Coaching 1 1" in lea_page

    headers = {"Authorization": "Bearer " + create_api_token(fx["s2"], ["read"])}
    db.session.commit()
    summary = client.get(f"/api/v1/reports/summary?{YEAR_QUERY}", headers=headers).get_json()
    assert (summary["support_activities"], summary["support_hours"]) == (5, 5.75)
    metro = client.get(f"/api/v1/reports/summary?{YEAR_QUERY}&subregion=4", headers=headers).get_json()
    assert (metro["support_activities"], metro["support_hours"]) == (2, 2.5)
