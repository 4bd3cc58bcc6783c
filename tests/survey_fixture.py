"""A hand-counted survey fixture: two opportunities, one of them a series with an anonymous survey sent once after
its last session, a person who never answered in each, and a response edited after it was first sent.

Opportunity A (workshop, in person, subregion 4, one session that ended two hours ago; after each session):
  checked in a1, a2, a3; a4 registered but never checked in (not invited).
  a1: overall 5, relevance 4, will_apply 5, facilitator 4, most_useful "The role plays", could_be_better "=SUM(A1)"
  a2: first overall 2 (then edited to) overall 4, relevance 3, will_apply 4, facilitator 5, most_useful "Data walk"
  a3: no response.
  -> invited 3, responses 2, rate 0.6667; overall {4: 1, 5: 1} mean 4.5; relevance 3.5; will_apply 4.5;
     facilitator 4.5; most_useful 2 answers; could_be_better 1; topics_next 0.
Opportunity B (training series, virtual, countywide, two sessions 8 days and 1 day ago; anonymous; once after the
last session; with the bank's "pace" question added):
  checked in b1 (both sessions), b2 (first only), b3 (last only).
  b1: overall 3, relevance 3, will_apply 3, facilitator 3, pace "right"
  b2: overall 4, relevance 5, will_apply 4, facilitator 4, pace "too_fast"
  b3: no response.
  -> invited 3, responses 2, rate 0.6667; overall {3: 1, 4: 1} mean 3.5; relevance 4.0; pace right 1, too_fast 1.
Both: overall answers 5, 4, 3, 4 -> mean 4.0 (4.0 of 5 for the press release); invited 6, responses 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from csi_events.checkin.models import CheckIn
from csi_events.db import commit, utcnow
from csi_events.extensions import db
from csi_events.models import LearningOpportunity, Person
from csi_events.surveys.models import BankQuestion, SurveyInvitation
from csi_events.surveys.questions import add_question, ensure_survey
from csi_events.surveys.sending import run_send
from csi_events.surveys.submit import submit_response
from tests.factories import make_opportunity, make_person, make_registration

A_ANSWERS = {
    "a1": {
        "overall_quality": 5,
        "relevance": 4,
        "will_apply": 5,
        "facilitator": 4,
        "most_useful": "The role plays",
        "could_be_better": "=SUM(A1)",
    },
    "a2": {"overall_quality": 4, "relevance": 3, "will_apply": 4, "facilitator": 5, "most_useful": "Data walk"},
}
A2_FIRST = {"overall_quality": 2, "relevance": 2, "will_apply": 2, "facilitator": 2}
B_ANSWERS = {
    "b1": {"overall_quality": 3, "relevance": 3, "will_apply": 3, "facilitator": 3, "pace": "right"},
    "b2": {"overall_quality": 4, "relevance": 5, "will_apply": 4, "facilitator": 4, "pace": "too_fast"},
}


@dataclass
class SurveyWorld:
    now: datetime
    a: LearningOpportunity
    b: LearningOpportunity
    people: dict[str, Person] = field(default_factory=dict)

    def invitation(self, name: str) -> SurveyInvitation:
        return db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.person_id == self.people[name].id))


def _check_in(opportunity, session, person) -> None:
    registration = make_registration(opportunity, person) if not _registered(opportunity, person) else None
    db.session.add(CheckIn(session=session, person=person, registration=registration, method="qr"))
    db.session.flush()


def _registered(opportunity, person) -> bool:
    from csi_events.models import Registration

    return bool(
        db.session.scalar(
            select(Registration.id).where(
                Registration.opportunity_id == opportunity.id, Registration.person_id == person.id
            )
        )
    )


def build_world(answer: bool = True, send: bool = True) -> SurveyWorld:
    now = utcnow().replace(microsecond=0)
    a = make_opportunity(title="Family Engagement 101", starts_at=now - timedelta(hours=4), hours=2)
    b = make_opportunity(
        title="Leadership Series",
        kind="training_series",
        modality="virtual",
        subregion=None,
        sessions=2,
        starts_at=now - timedelta(days=8),
        hours=2,
        topics=("collaborative_leadership",),
    )
    b.sessions[1].starts_at = now - timedelta(days=1, hours=2)
    b.sessions[1].ends_at = now - timedelta(days=1)
    world = SurveyWorld(now, a, b)
    for name in ("a1", "a2", "a3", "a4", "b1", "b2", "b3"):
        world.people[name] = make_person(email=f"{name}@example.org", first_name=name.upper(), last_name="Tester")
    world.people["b2"].preferred_language = "es"
    for name in ("a1", "a2", "a3"):
        _check_in(a, a.sessions[0], world.people[name])
    make_registration(a, world.people["a4"])
    _check_in(b, b.sessions[0], world.people["b1"])
    _check_in(b, b.sessions[1], world.people["b1"])
    _check_in(b, b.sessions[0], world.people["b2"])
    _check_in(b, b.sessions[1], world.people["b3"])
    survey_b = ensure_survey(b)
    survey_b.timing = "series_end"
    survey_b.anonymous = True
    add_question(survey_b, db.session.scalar(select(BankQuestion.id).where(BankQuestion.key == "pace")))
    commit(db.session)
    if send:
        run_send(now)
    if answer:
        answer_all(world)
    return world


def answer_all(world: SurveyWorld) -> None:
    submit_response(world.invitation("a2"), A2_FIRST, world.now)
    commit(db.session)
    for name, answers in {**A_ANSWERS, **B_ANSWERS}.items():
        submit_response(world.invitation(name), answers, world.now)
        commit(db.session)


EXPECTED_A = {
    "invited": 3,
    "responses": 2,
    "response_rate": 0.6667,
    "means": {"overall_quality": 4.5, "relevance": 3.5, "will_apply": 4.5, "facilitator": 4.5},
    "overall_counts": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1},
    "answers": {"most_useful": 2, "could_be_better": 1, "topics_next": 0},
}
EXPECTED_B = {
    "invited": 3,
    "responses": 2,
    "response_rate": 0.6667,
    "means": {"overall_quality": 3.5, "relevance": 4.0, "will_apply": 3.5, "facilitator": 3.5},
    "overall_counts": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0},
    "pace_counts": {"too_slow": 0, "right": 1, "too_fast": 1},
}
