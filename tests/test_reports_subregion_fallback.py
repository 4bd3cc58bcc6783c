"""On the hand-counted fixture: a school without its own subregion counts under its LEA's, and the dashboard,
the report export and the API summary say how many participants have neither, following bulk edits."""

from __future__ import annotations

import csv
import io

from csi_events.auth.services import create_api_token
from tests import report_fixture
from tests.factories import make_user

YEAR = {"from": "2024-07-01", "to": "2025-06-30"}
NEITHER = "Neither school nor LEA has one"


def neither_everywhere(client, headers) -> tuple:
    html = client.get("/staff/reports", query_string=YEAR).get_data(as_text=True)
    sentence = next(s for s in ("1 participant has neither.", "2 participants have neither.") if s in html)
    table = list(
        csv.reader(
            io.StringIO(
                client.get("/staff/reports/report.csv", query_string=YEAR).get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    exported = [int(r[4]) for r in table if r[0].startswith("By subregion of the participants") and r[1] == NEITHER]
    body = client.get("/api/v1/reports/summary", query_string=YEAR, headers=headers).get_json()
    by_subregion = {s["subregion"]: s["unique_individuals"] for s in body["by_subregion"]}
    return sentence, exported, body["participants_without_subregion"], by_subregion


def test_no_subregion_count_follows_the_school_then_lea_fallback(app, client, db, login):
    world = report_fixture.build()
    staff = make_user("staff")
    headers = {"Authorization": f"Bearer {create_api_token(staff, ['read', 'write'])}"}
    db.session.commit()
    login(staff)
    # p5 has no school nor LEA; A2 (none of its own) counts under LEA A's 4.
    assert neither_everywhere(client, headers) == ("1 participant has neither.", [1], 1, {4: 2, 2: 2, 7: 1, None: 1})

    # C1 loses its own 7: p4 now counts under LEA C's 8.
    c1 = world.schools["C1"].cds_code
    assert client.patch(f"/api/v1/schools/{c1}", json={"subregion": None}, headers=headers).status_code == 200
    assert neither_everywhere(client, headers)[2:] == (1, {4: 2, 2: 2, 8: 1, None: 1})

    # LEA C loses its subregion too: p4 has neither now.
    c = world.leas["C"]
    response = client.post("/staff/directory/leas/subregion", data={"ids": [c.id], "bulk-subregion": ""})
    assert response.status_code == 302
    assert neither_everywhere(client, headers) == ("2 participants have neither.", [2], 2, {4: 2, 2: 2, None: 2})
