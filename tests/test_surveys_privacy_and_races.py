"""One response per person holds under concurrent submissions (SQLite and PostgreSQL: the suite runs on both), and
an anonymous response cannot be joined to its person through any table."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from csi_events.db import commit
from csi_events.extensions import db as _db
from csi_events.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from csi_events.surveys.submit import submit_response
from tests.concurrency import run_concurrently
from tests.survey_fixture import build_world

BASE = {"overall_quality": 4, "relevance": 4, "will_apply": 4, "facilitator": 4}


@pytest.fixture
def world(db):
    return build_world(answer=False)


def _submit(invitation_id: int, answers: dict, now):
    def work(i):
        invitation = _db.session.get(SurveyInvitation, invitation_id)
        try:
            outcome = submit_response(invitation, {**answers, "overall_quality": 1 + i % 5}, now)
        except Exception as err:
            _db.session.rollback()
            return type(err).__name__
        commit(_db.session)
        return "created" if outcome.created else "replaced"

    return work


def test_concurrent_submissions_keep_one_response(app, db, world):
    invitation_id = world.invitation("a1").id
    results, errors = run_concurrently(app, 4, _submit(invitation_id, BASE, world.now))
    assert errors == []
    assert sorted(results) == ["created", "replaced", "replaced", "replaced"]
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(select(func.count()).where(SurveyAnswer.question_key == "overall_quality")) == 1


def test_concurrent_anonymous_submissions_store_one(app, db, world):
    invitation_id = world.invitation("b1").id
    results, errors = run_concurrently(app, 4, _submit(invitation_id, {**BASE, "pace": "right"}, world.now))
    assert errors == []
    assert sorted(results) == ["Conflict", "Conflict", "Conflict", "created"]
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def _reachable(start: str, blocked: set[str]) -> set[str]:
    """Tables a join can reach from `start` by following foreign keys in either direction, not through `blocked`."""
    tables = _db.metadata.tables
    seen, todo = {start}, [start]
    while todo:
        name = todo.pop()
        neighbours = {fk.column.table.name for fk in tables[name].foreign_keys}
        neighbours |= {t.name for t in tables.values() for fk in t.foreign_keys if fk.column.table.name == name}
        for other in neighbours - seen - blocked:
            seen.add(other)
            todo.append(other)
    return seen


def test_anonymous_response_cannot_be_joined_to_its_person(app, db, world):
    invitation = world.invitation("b1")
    submit_response(invitation, {**BASE, "pace": "right"}, world.now)
    commit(db.session)
    # 1. The schema: from the responses and answers tables no foreign-key path leads to people, invitations,
    #    registrations or check-ins except through the invitation column, which anonymous responses leave empty.
    response_fks = {fk.parent.name: fk.column.table.name for fk in SurveyResponse.__table__.foreign_keys}
    assert response_fks == {"survey_id": "surveys", "session_id": "sessions", "invitation_id": "survey_invitations"}
    answer_fks = {fk.parent.name: fk.column.table.name for fk in SurveyAnswer.__table__.foreign_keys}
    assert answer_fks == {"response_id": "survey_responses"}
    referencing = {
        t.name
        for t in db.metadata.tables.values()
        for fk in t.foreign_keys
        if fk.column.table.name == "survey_responses"
    }
    assert referencing == {"survey_answers"}
    # Shared rows (the survey, the session, the opportunity) lead to everyone who took part, never to one person;
    # apart from them and the invitation column (empty here), a join from an answer reaches only the response.
    blocked = {"surveys", "sessions", "opportunities", "survey_invitations"}
    assert _reachable("survey_answers", blocked) == {"survey_answers", "survey_responses"}
    # 2. The rows: the anonymous response holds its survey and session (shared by everyone who took part) and
    #    nothing else: no invitation, no time; its answers hold only the answers.
    response = db.session.scalar(select(SurveyResponse))
    row = {c.key: getattr(response, c.key) for c in inspect(SurveyResponse).mapper.column_attrs}
    assert row == {
        "id": response.id,
        "survey_id": invitation.survey_id,
        "session_id": invitation.session_id,
        "invitation_id": None,
        "submitted_at": None,
        "updated_at": None,
    }
    answers = db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)).all()
    assert sorted((a.question_key, a.number, a.text) for a in answers) == [
        ("facilitator", 4, None),
        ("overall_quality", 4, None),
        ("pace", None, "right"),
        ("relevance", 4, None),
        ("will_apply", 4, None),
    ]
    # 3. Every table: no column of any row in the database holds the response's id except the response itself and
    #    its answers (so nothing records which invitation was spent for which response).
    for table in db.metadata.sorted_tables:
        if table.name in ("survey_responses", "survey_answers"):
            continue
        for column in table.columns:
            if "response" in column.name:
                found = db.session.scalar(select(func.count()).select_from(table).where(column == response.id))
                assert not found, f"{table.name}.{column.name} holds the response id"
    # 4. The invitation only says "spent": no time and no reference to the response.
    spent = db.session.get(SurveyInvitation, invitation.id)
    assert spent.spent is True
    assert {c.name for c in SurveyInvitation.__table__.columns} == {
        "id",
        "survey_id",
        "round_key",
        "session_id",
        "person_id",
        "spent",
        "emailed_at",
        "created_at",
        "lock_version",
    }
