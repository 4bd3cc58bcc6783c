"""The QR code and short link at the end of a session (only checked-in people, confirmed by e-mail), and the staff
pages: an opportunity's survey settings and questions, the question bank."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.surveys.models import BankQuestion, Survey, SurveyInvitation
from csi_events.surveys.questions import ensure_survey, survey_of
from tests.factories import make_opportunity, make_person, make_registration, make_user
from tests.survey_fixture import build_world


@pytest.fixture
def ending(db):
    """A session ending in 10 minutes with p checked in and q only registered."""
    now = utcnow().replace(microsecond=0)
    facilitator = make_user("facilitator")
    opp = make_opportunity(title="Ending Soon", starts_at=now - timedelta(minutes=110), facilitators=[facilitator])
    p = make_person(email="p@example.org")
    q = make_person(email="q@example.org")
    db.session.add(CheckIn(session=opp.sessions[0], person=p, registration=make_registration(opp, p)))
    make_registration(opp, q)
    db.session.commit()
    return opp, facilitator


def test_checkin_page_shows_the_qr_at_the_end_of_the_session(client, login, ending, db):
    opp, facilitator = ending
    login(facilitator)
    html = client.get(f"/staff/checkin/sessions/{opp.sessions[0].id}").get_data(as_text=True)
    assert "Feedback survey" in html and f"http://testserver/s/{opp.sessions[0].id}" in html and "<svg" in html
    assert survey_of(opp.id) is None  # the check-in page only reads
    early = make_opportunity(starts_at=utcnow() + timedelta(hours=1), facilitators=[facilitator])
    db.session.commit()
    html = client.get(f"/staff/checkin/sessions/{early.sessions[0].id}").get_data(as_text=True)
    assert "Feedback survey" not in html


def test_short_link_lets_checked_in_people_answer(client, ending, db):
    opp, _facilitator = ending
    url = f"/s/{opp.sessions[0].id}"
    page = client.get(url)
    assert page.status_code == 200 and "Ending Soon" in page.get_data(as_text=True)
    for email in ("q@example.org", "nobody@example.org", ""):
        refused = client.post(url, data={"email": email})
        assert refused.status_code == 422, email
    assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)) == 0
    accepted = client.post(url, data={"email": " P@Example.org "})
    assert accepted.status_code == 302 and "/survey/" in accepted.headers["Location"]
    form = {"q_overall_quality": "5", "q_relevance": "5", "q_will_apply": "5", "q_facilitator": "5"}
    done = client.post(accepted.headers["Location"], data=form)
    assert done.status_code == 200 and "are saved" in done.get_data(as_text=True)
    # the same person again gets the same invitation (one response per person)
    again = client.post(url, data={"email": "p@example.org"})
    same_invitation = again.headers["Location"].split(".")[0] == accepted.headers["Location"].split(".")[0]
    assert same_invitation  # the signed payload names the same invitation (the signature's time may differ)
    assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)) == 1


def test_short_link_of_a_series_first_session_and_of_a_future_session(client, db):
    world = build_world(answer=False, send=False)
    assert client.get(f"/s/{world.b.sessions[0].id}").status_code == 404  # series: the last session only
    future = make_opportunity(starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    response = client.get(f"/s/{future.sessions[0].id}")
    assert response.status_code == 409 and "not open" in response.get_data(as_text=True)
    assert client.get("/s/999999").status_code == 404


def test_staff_edit_settings_and_questions(client, login, db):
    opp = make_opportunity()
    db.session.commit()
    login(make_user("staff"))
    html = client.get(f"/staff/opportunities/{opp.id}/survey").get_data(as_text=True)
    assert "The session was of high quality overall." in html and "Whom will you share this with?" in html
    survey = survey_of(opp.id)
    assert [q.key for q in survey.questions] == [
        "overall_quality",
        "relevance",
        "will_apply",
        "facilitator",
        "most_useful",
        "could_be_better",
        "topics_next",
    ]
    url = f"/staff/opportunities/{opp.id}/survey"
    client.post(url + "/settings", data={"timing": "series_end", "close_after_days": "7", "anonymous": "y"})
    client.post(url + "/settings", data={"timing": "series_end", "close_after_days": "500"})  # refused
    pace = db.session.scalar(select(BankQuestion.id).where(BankQuestion.key == "pace"))
    client.post(url + "/questions/add", data={"question": str(pace)})
    client.post(url + "/questions/add", data={"question": str(pace)})  # twice: refused
    client.post(url + "/questions/remove", data={"key": "topics_next"})
    db.session.expire_all()
    survey = db.session.get(Survey, survey.id)
    assert (survey.timing, survey.close_after_days, survey.anonymous) == ("series_end", 7, True)
    keys = [q.key for q in survey.questions]
    assert keys.count("pace") == 1 and "topics_next" not in keys


def test_settings_are_locked_once_invitations_are_sent(client, login, db):
    world = build_world(answer=False)
    login(make_user("staff"))
    response = client.post(
        f"/staff/opportunities/{world.a.id}/survey/settings",
        data={"timing": "each_session", "close_after_days": "14", "anonymous": "y"},
        follow_redirects=True,
    )
    assert "Invitations were sent already" in response.get_data(as_text=True)
    db.session.expire_all()
    assert survey_of(world.a.id).anonymous is False


def test_question_bank_add_edit_delete(client, login, db):
    login(make_user("staff"))
    assert client.get("/staff/surveys/bank").status_code == 200
    new = {
        "new-key": "format",
        "new-kind": "single",
        "new-text_en": "Which format do you prefer?",
        "new-text_es": "¿Qué formato prefiere?",
        "new-choices": "online | Online | En línea\nin_person | In person | En persona",
        "new-standard": "y",
    }
    assert client.post("/staff/surveys/bank", data=new).status_code == 302
    question = db.session.scalar(select(BankQuestion).where(BankQuestion.key == "format"))
    assert question.standard and question.choices[1] == {"value": "in_person", "en": "In person", "es": "En persona"}
    bad = client.post("/staff/surveys/bank", data={**new, "new-key": "Bad Key", "new-choices": "only | one"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(BankQuestion).where(BankQuestion.key == "Bad Key")) == 0
    prefix = f"q{question.id}"
    edit = {f"{prefix}-{k[4:]}": v for k, v in new.items()}
    edit[f"{prefix}-text_en"] = "Which format suits you?"
    edit.pop(f"{prefix}-standard")
    client.post("/staff/surveys/bank/save", data={"question_id": str(question.id), **edit})
    db.session.expire_all()
    question = db.session.get(BankQuestion, question.id)
    assert question.text_en == "Which format suits you?" and question.standard is False
    opp = make_opportunity()
    db.session.commit()
    assert "format" not in [q.key for q in ensure_survey(opp).questions]
    client.post("/staff/surveys/bank/delete", data={"question_id": str(question.id)})
    db.session.expire_all()
    assert db.session.get(BankQuestion, question.id) is None


def test_staff_index_and_facilitator_access(client, login, db, ending):
    opp, facilitator = ending
    login(make_user("staff"))
    assert "Ending Soon" in client.get("/staff/surveys").get_data(as_text=True)
    client.post("/auth/logout")
    login(facilitator)
    assert client.get(f"/staff/opportunities/{opp.id}/survey/results").status_code == 200
    assert client.get(f"/staff/opportunities/{opp.id}/survey").status_code == 403
    other = make_opportunity()
    db.session.commit()
    assert client.get(f"/staff/opportunities/{other.id}/survey/results").status_code == 403
