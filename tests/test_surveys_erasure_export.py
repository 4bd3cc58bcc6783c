"""Issue 17 leftover: erasure and the privacy export cover survey responses. A named response of an erased person
loses its link to the person and its comments, keeps its scale answers (the figures stay the same), and the
person's survey links open nothing; the export lists named responses and says anonymous ones cannot be found."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from csi_events.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from csi_events.surveys.results import survey_results
from csi_events.surveys.tokens import invitation_token
from tests.factories import make_user
from tests.survey_fixture import build_world


@pytest.fixture
def world(db):
    return build_world()


def _export(client, login, person) -> dict:
    response = client.get(f"/staff/people/{person.id}/privacy/export.json")
    assert response.status_code == 200
    return response.get_json()


def test_export_lists_named_responses_and_explains_anonymous_ones(client, db, login, world):
    login(make_user("staff"))
    data = _export(client, login, world.people["a1"])
    [response] = data["survey_responses"]
    assert response["survey"]["opportunity"]["title"] == "Family Engagement 101"
    assert response["session"]["id"] == world.a.sessions[0].id
    values = {a["question_key"]: a["value"] for a in response["answers"]}
    assert values == {
        "overall_quality": 5,
        "relevance": 4,
        "will_apply": 5,
        "facilitator": 4,
        "most_useful": "The role plays",
        "could_be_better": "=SUM(A1)",
    }
    assert "anonymous" in data["anonymous_survey_responses"]
    edited = _export(client, login, world.people["a2"])["survey_responses"]
    assert [a["value"] for a in edited[0]["answers"] if a["question_key"] == "overall_quality"] == [4]
    anonymous = _export(client, login, world.people["b1"])  # answered the anonymous survey: nothing to find
    assert anonymous["survey_responses"] == [] and anonymous["anonymous_survey_responses"]


def test_erasure_unlinks_the_response_blanks_comments_and_keeps_the_figures(client, db, login, world):
    staff = make_user("staff")
    db.session.commit()
    person = world.people["a1"]
    invitation = world.invitation("a1")
    response_id = db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.invitation_id == invitation.id))
    token = invitation_token(invitation.id)
    assert client.get(f"/survey/{token}").status_code == 200
    login(staff)
    assert client.post(f"/staff/people/{person.id}/privacy/erase", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    response = db.session.get(SurveyResponse, response_id)
    assert response.invitation_id is None and response.submitted_at is None and response.updated_at is None
    answers = {a.question_key: (a.number, a.text) for a in response.answers}
    assert answers["overall_quality"] == (5, None) and answers["relevance"] == (4, None)
    assert answers["most_useful"] == (None, None) and answers["could_be_better"] == (None, None)
    stored = json.dumps([[a.number, a.text] for a in db.session.scalars(select(SurveyAnswer))])
    assert "The role plays" not in stored and "=SUM(A1)" not in stored
    assert "Data walk" in stored  # a2's comment is untouched
    invitation = db.session.get(SurveyInvitation, invitation.id)
    assert invitation.spent
    assert client.get(f"/survey/{token}").status_code == 404  # the e-mailed link opens nothing
    assert _export(client, login, person)["survey_responses"] == []
    survey = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.id == invitation.id)).survey
    results = survey_results(survey)
    assert (results.invited, results.responses, results.response_rate) == (3, 2, 0.6667)
    by_key = {q.key: q for q in results.questions}
    assert by_key["overall_quality"].mean == 4.5 and by_key["most_useful"].answers == 2
    assert by_key["most_useful"].comments == ["Data walk"] and by_key["could_be_better"].comments == []
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 4
