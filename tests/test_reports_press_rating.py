"""The press paragraph's survey rating (reports/press.py, the rating rule): stated only when at least
MIN_RATING_ANSWERS responses of the period and filters answered "overall quality", in English and Spanish, the number
linking to the survey summary of the same period and filters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from csi_events.db import commit
from csi_events.extensions import db
from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters
from csi_events.reports.press import MIN_RATING_ANSWERS, paragraphs, rating_to_state
from csi_events.surveys.models import SurveyInvitation
from csi_events.surveys.sending import run_send
from csi_events.surveys.submit import submit_response
from csi_events.surveys.summary import Rating
from tests.factories import make_opportunity, make_person
from tests.survey_fixture import _check_in, build_world


def _text(html) -> str:
    return re.sub(r"<[^>]+>", "", str(html))


@pytest.mark.parametrize(("answers", "stated"), [(1, False), (9, False), (10, True), (250, True)])
def test_the_rating_needs_ten_answers(answers, stated):
    assert MIN_RATING_ANSWERS == 10
    rating = Rating(4.6, answers)
    assert rating_to_state(rating) == (rating if stated else None)
    assert rating_to_state(None) is None


def _paragraphs(app, f: ReportFilters) -> dict[str, str]:
    with app.test_request_context():
        return {p.language: str(p.html) for p in paragraphs(f, queries.figures(f)[0], None)}


def _six_more_fives(world) -> None:
    """A third opportunity whose six participants all rate it 5: with the fixture's 5, 4, 3, 4 that makes ten
    answers, 46 / 10 = 4.6."""
    c = make_opportunity(title="Data Chats", starts_at=world.now - timedelta(hours=5), hours=2)
    for i in range(6):
        _check_in(c, c.sessions[0], make_person(email=f"c{i}@example.org"))
    commit(db.session)
    run_send(world.now)
    invited = select(SurveyInvitation).where(SurveyInvitation.session_id == c.sessions[0].id)
    for invitation in db.session.scalars(invited):
        submit_response(
            invitation, {"overall_quality": 5, "relevance": 5, "will_apply": 5, "facilitator": 5}, world.now
        )
        commit(db.session)


def test_paragraph_states_the_rating_from_ten_answers_in_both_languages(app, db):
    world = build_world()
    f = ReportFilters(date_from=world.now.date() - timedelta(days=30), date_to=world.now.date())
    few = _paragraphs(app, f)  # four answers: not stated
    assert "rated" not in _text(few["en"]) and "calificaron" not in _text(few["es"])
    _six_more_fives(world)
    found = _paragraphs(app, f)
    assert "Participants rated the sessions 4.6 of 5." in _text(found["en"])
    assert "Los participantes calificaron las sesiones con 4,6 de 5." in _text(found["es"])
    link = re.search(r'<a href="([^"]*)">4.6</a>', found["en"])
    assert link and link.group(1).startswith("/staff/surveys/summary?from=")
    assert _text(found["en"]).index("rated") > _text(found["en"]).index("subregion")  # after the attendance
    narrow = _paragraphs(app, f.but(modality="virtual"))  # only the anonymous series: two answers
    assert "rated" not in _text(narrow["en"])
