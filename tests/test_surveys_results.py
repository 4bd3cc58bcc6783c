"""The hand-counted fixture (tests/survey_fixture.py) gives the same figures on the results page, in the CSV and
XLSX exports, in the API and in the summary across opportunities."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from csi_events.auth.services import create_api_token
from csi_events.reports.filters import ReportFilters
from csi_events.surveys.questions import survey_of
from csi_events.surveys.results import survey_results
from csi_events.surveys.summary import Rating, overall_rating, survey_summary
from tests.factories import make_user
from tests.survey_fixture import EXPECTED_A, EXPECTED_B, build_world


@pytest.fixture
def world(db):
    return build_world()


def _period(world):
    return ReportFilters(
        date_from=(world.now.date().replace(day=1)).replace(year=world.now.year - 1), date_to=world.now.date()
    )


def test_service_figures_match_the_hand_count(world):
    a = survey_results(survey_of(world.a.id))
    assert (a.invited, a.responses, a.response_rate) == (3, 2, 0.6667)
    by_key = {q.key: q for q in a.questions}
    assert {k: by_key[k].mean for k in EXPECTED_A["means"]} == EXPECTED_A["means"]
    assert by_key["overall_quality"].counts == EXPECTED_A["overall_counts"]
    assert {k: by_key[k].answers for k in EXPECTED_A["answers"]} == EXPECTED_A["answers"]
    assert sorted(by_key["most_useful"].comments) == ["Data walk", "The role plays"]
    b = survey_results(survey_of(world.b.id))
    by_key = {q.key: q for q in b.questions}
    assert (b.invited, b.responses, b.response_rate) == (3, 2, 0.6667)
    assert {k: by_key[k].mean for k in EXPECTED_B["means"]} == EXPECTED_B["means"]
    assert by_key["pace"].counts == EXPECTED_B["pace_counts"]
    assert by_key["pace"].mean is None


def test_api_results_match(world, client, db):
    token = create_api_token(make_user("staff"), ["read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/opportunities/{world.a.id}/survey/results", headers=headers).get_json()
    assert (body["invited"], body["responses"], body["response_rate"]) == (3, 2, 0.6667)
    questions = {q["key"]: q for q in body["questions"]}
    assert {k: questions[k]["mean"] for k in EXPECTED_A["means"]} == EXPECTED_A["means"]
    assert questions["overall_quality"]["counts"] == EXPECTED_A["overall_counts"]
    assert questions["most_useful"] == {
        "key": "most_useful",
        "kind": "long_text",
        "text": "What was most useful?",
        "mean": None,
        "counts": None,
        "answers": 2,
    }
    body = client.get(f"/api/v1/opportunities/{world.b.id}/survey/results", headers=headers).get_json()
    questions = {q["key"]: q for q in body["questions"]}
    assert questions["pace"]["counts"] == EXPECTED_B["pace_counts"]
    assert questions["relevance"]["mean"] == 4.0
    # one session of the series: the series round is filed under its last session
    last = world.b.sessions[1].id
    body = client.get(f"/api/v1/opportunities/{world.b.id}/survey/results?session={last}", headers=headers).get_json()
    assert (body["invited"], body["responses"]) == (3, 2)
    first = world.b.sessions[0].id
    body = client.get(f"/api/v1/opportunities/{world.b.id}/survey/results?session={first}", headers=headers).get_json()
    assert (body["invited"], body["responses"], body["response_rate"]) == (0, 0, None)
    bad = client.get(
        f"/api/v1/opportunities/{world.b.id}/survey/results?session={world.a.sessions[0].id}", headers=headers
    )
    assert bad.status_code == 422


def test_results_page_matches(world, client, login):
    login(make_user("staff"))
    html = client.get(f"/staff/opportunities/{world.a.id}/survey/results").get_data(as_text=True)
    assert re.search(r'id="invited">3<', html) and re.search(r'id="responses">2<', html)
    assert 'id="mean-overall_quality">4.5<' in html and 'id="mean-relevance">3.5<' in html
    assert 'data-key="overall_quality-5">1<' in html and 'data-key="overall_quality-3">0<' in html
    assert "The role plays" in html and "Data walk" in html
    filtered = client.get(f"/staff/opportunities/{world.a.id}/survey/results?q=role").get_data(as_text=True)
    assert "The role plays" in filtered and "Data walk" not in filtered
    html = client.get(f"/staff/opportunities/{world.b.id}/survey/results").get_data(as_text=True)
    assert 'id="mean-overall_quality">3.5<' in html and 'data-key="pace-too_fast">1<' in html


def _export_rows(rows):
    return {(r[0], r[2]): r[3] for r in rows}


def test_exports_match_and_are_formula_safe(world, client, login):
    login(make_user("staff"))
    response = client.get(f"/staff/opportunities/{world.a.id}/survey/results.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    figures = _export_rows(rows[1:])
    assert figures[("", "Invited")] == "3" and figures[("", "Responses")] == "2"
    assert figures[("", "Response rate")] == "0.6667"
    assert figures[("overall_quality", "Mean")] == "4.5" and figures[("overall_quality", "Count: 4")] == "1"
    assert ["could_be_better", "What could be better?", "Comment", "'=SUM(A1)"] in rows
    response = client.get(f"/staff/opportunities/{world.a.id}/survey/results.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    figures = _export_rows(values[1:])
    assert (
        figures[("overall_quality", "Mean")] == 4.5 and figures[(None, "Invited")] == 3
    )  # empty cells read back as None
    assert ["could_be_better", "What could be better?", "Comment", "=SUM(A1)"] in values


def test_summary_and_press_release_rating(world, client, login):
    f = _period(world)
    summary = survey_summary(f)
    assert (summary.overall.invited, summary.overall.responses, summary.overall.response_rate) == (6, 4, 0.6667)
    assert summary.overall.mean("overall_quality") == 4.0
    kinds = {g.key: g for g in summary.by["kind"]}
    assert kinds["workshop"].mean("overall_quality") == 4.5 and kinds["training_series"].mean("relevance") == 4.0
    subregions = {g.key: g for g in summary.by["subregion"]}
    assert (subregions[4].invited, subregions[None].responses) == (3, 2)
    assert overall_rating(f) == Rating(4.0, 4)
    assert overall_rating(f.but(modality="virtual")) == Rating(3.5, 2)
    assert overall_rating(f.but(kind="convening")) is None
    login(make_user("staff"))
    args = f"?from={f.date_from.isoformat()}&to={f.date_to.isoformat()}"
    html = client.get("/staff/surveys/summary" + args).get_data(as_text=True)
    assert "<td>6</td><td>4</td>" in html
    response = client.get("/staff/surveys/summary.csv" + args)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:6] == ["all", "All", "6", "4", "0.6667", "4.0"]


def test_means_round_half_up_exactly():
    from csi_events.surveys.results import rounded_mean

    assert rounded_mean(91, 20, 1) == 4.6  # 4.55: a float would round it down to 4.5
    assert rounded_mean(2, 3, 4) == 0.6667 and rounded_mean(1, 0) is None
