"""Answering: the page of the e-mailed link and POST /api/v1/surveys/responses. One response per person per
survey, replaced until the survey closes; bad input (outside the scale or the choices, a missing required answer,
an unknown key, a closed survey, a token of another survey or purpose) is refused and nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.links import make_token
from csi_events.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from csi_events.surveys.tokens import invitation_token
from tests.survey_fixture import build_world

GOOD = {"overall_quality": 5, "relevance": 4, "will_apply": 3, "facilitator": 4}


@pytest.fixture
def world(db):
    return build_world(answer=False)


def _token(world, name: str) -> str:
    return invitation_token(world.invitation(name).id)


def _stored(db) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(SurveyResponse)),
        db.session.scalar(select(func.count()).select_from(SurveyAnswer)),
    )


def _numbers(db, key: str) -> list[int]:
    return sorted(db.session.scalars(select(SurveyAnswer.number).where(SurveyAnswer.question_key == key)))


def test_api_201_then_200_replaced(world, client, db):
    token = _token(world, "a1")
    first = client.post("/api/v1/surveys/responses", json={"token": token, "answers": GOOD})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["status"] == "created"
    again = client.post(
        "/api/v1/surveys/responses",
        json={"token": token, "answers": {**GOOD, "overall_quality": 2, "most_useful": "Everything"}},
    )
    assert again.status_code == 200 and again.get_json()["status"] == "replaced"
    assert _stored(db) == (1, 5)
    assert _numbers(db, "overall_quality") == [2]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**GOOD, "overall_quality": 6}, "overall_quality"),
        ({**GOOD, "overall_quality": 0}, "overall_quality"),
        ({**GOOD, "overall_quality": "4.5"}, "overall_quality"),
        ({**GOOD, "overall_quality": True}, "overall_quality"),
        ({k: v for k, v in GOOD.items() if k != "relevance"}, "relevance"),
        ({**GOOD, "relevance": None}, "relevance"),
        ({**GOOD, "unknown_key": "x"}, "unknown_key"),
        ({**GOOD, "pace": "right"}, "pace"),  # a question of the other survey
        ({**GOOD, "most_useful": 12}, "most_useful"),
        ({**GOOD, "topics_next": "x" * 301}, "topics_next"),
    ],
)
def test_api_bad_answers_are_422_and_store_nothing(world, client, db, answers, field):
    response = client.post("/api/v1/surveys/responses", json={"token": _token(world, "a1"), "answers": answers})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _stored(db) == (0, 0)
    assert (
        db.session.scalar(select(SurveyInvitation.spent).where(SurveyInvitation.id == world.invitation("a1").id))
        is False
    )


def test_api_choices_outside_the_list_are_refused(world, client, db):
    base = {"overall_quality": 4, "relevance": 4, "will_apply": 4, "facilitator": 4}
    token = _token(world, "b1")
    for bad in ("fast", ["right"], 3):
        response = client.post("/api/v1/surveys/responses", json={"token": token, "answers": {**base, "pace": bad}})
        assert response.status_code == 422, bad
    assert _stored(db) == (0, 0)


def test_api_bad_tokens_are_422(world, client, db, app):
    with app.test_request_context():
        foreign_purpose = make_token("manage", {"i": world.invitation("a1").id, "p": world.people["a1"].id})
        unknown = make_token("survey", {"i": 99999})
    for token in ("not-a-token", _token(world, "a1")[:-3] + "xyz", foreign_purpose, unknown):
        response = client.post("/api/v1/surveys/responses", json={"token": token, "answers": GOOD})
        assert response.status_code == 422, token
        assert "token" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/surveys/responses", json={"token": "x"}).status_code == 422
    assert _stored(db) == (0, 0)


def test_closed_survey_is_409_on_api_and_page(world, client, db):
    token = _token(world, "a1")
    assert client.post("/api/v1/surveys/responses", json={"token": token, "answers": GOOD}).status_code == 201
    session = world.a.sessions[0]
    session.starts_at -= timedelta(days=15)
    session.ends_at -= timedelta(days=15)
    db.session.commit()
    response = client.post("/api/v1/surveys/responses", json={"token": token, "answers": {**GOOD, "relevance": 1}})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "survey_closed"
    page = client.get(f"/survey/{token}")
    assert page.status_code == 409 and "This survey has closed" in page.get_data(as_text=True)
    assert client.post(f"/survey/{token}", data={"q_overall_quality": "1"}).status_code == 409
    assert _numbers(db, "relevance") == [4]


def test_anonymous_answer_once_then_409(world, client, db):
    base = {"overall_quality": 4, "relevance": 4, "will_apply": 4, "facilitator": 4, "pace": "right"}
    token = _token(world, "b1")
    assert client.post("/api/v1/surveys/responses", json={"token": token, "answers": base}).status_code == 201
    again = client.post("/api/v1/surveys/responses", json={"token": token, "answers": base})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_answered"
    assert _stored(db) == (1, 5)
    response = db.session.scalar(select(SurveyResponse))
    assert (response.invitation_id, response.submitted_at, response.updated_at) == (None, None, None)
    page = client.get(f"/survey/{token}").get_data(as_text=True)
    assert "You have answered this anonymous survey already" in page


def test_page_shows_opportunity_and_session_and_saves_then_edits(world, client, db):
    token = _token(world, "a2")
    page = client.get(f"/survey/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Family Engagement 101" in html and "The session was of high quality overall." in html
    assert 'name="q_overall_quality" value="5"' in html and "Strongly agree" in html
    form = {
        "q_overall_quality": "5",
        "q_relevance": "4",
        "q_will_apply": "4",
        "q_facilitator": "3",
        "q_most_useful": "Hi",
    }
    done = client.post(f"/survey/{token}", data=form)
    assert done.status_code == 200 and "are saved" in done.get_data(as_text=True)
    html = client.get(f"/survey/{token}").get_data(as_text=True)
    assert 'value="3" checked' in html and ">Hi</textarea>" in html
    edited = client.post(f"/survey/{token}", data={**form, "q_facilitator": "5"})
    assert "are updated" in edited.get_data(as_text=True)
    assert _stored(db) == (1, 5) and _numbers(db, "facilitator") == [5]


def test_page_bad_input_shows_messages_and_stores_nothing(world, client, db):
    token = _token(world, "a2")
    response = client.post(f"/survey/{token}", data={"q_overall_quality": "9", "q_nope": "x", "q_most_useful": "kept"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a number from 1 to 5." in html and "This question needs an answer." in html
    assert "This survey has no question nope." in html
    assert ">kept</textarea>" in html  # what was typed is shown again
    assert _stored(db) == (0, 0)


def test_page_in_spanish(world, client):
    html = client.get(f"/survey/{_token(world, 'b2')}?lang=es").get_data(as_text=True)
    assert "En general, la sesión fue de alta calidad." in html and "Totalmente de acuerdo" in html
    assert "Adecuado" in html  # a choice's Spanish wording


def test_forged_page_link_is_404(world, client):
    assert client.get("/survey/forged-token").status_code == 404


def test_public_questions_api(world, client, db):
    body = client.get(f"/api/v1/opportunities/{world.b.id}/survey").get_json()
    assert body["anonymous"] is True and body["timing"] == "series_end"
    keys = [q["key"] for q in body["questions"]]
    assert keys[:4] == ["overall_quality", "relevance", "will_apply", "facilitator"] and "pace" in keys
    pace = next(q for q in body["questions"] if q["key"] == "pace")
    assert pace["choices"][1] == {"value": "right", "text": "About right"}
    spanish = client.get(f"/api/v1/opportunities/{world.b.id}/survey?lang=es").get_json()
    assert spanish["questions"][0]["text"] == "En general, la sesión fue de alta calidad."
    world.a.status = "draft"
    db.session.commit()
    assert client.get(f"/api/v1/opportunities/{world.a.id}/survey").status_code == 404


def test_openapi_declares_the_survey_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/opportunities/{opportunity_id}/survey"]
    assert paths["/api/v1/opportunities/{opportunity_id}/survey/results"]["get"]["security"] == [{"bearer": ["read"]}]
    post = paths["/api/v1/surveys/responses"]["post"]
    assert {"201", "200"} <= set(post["responses"]) and "requestBody" in post
