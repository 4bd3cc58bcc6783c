"""Small builders for test data; each flushes and returns the object (the test commits when it needs to)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from csi_events.auth.passwords import hash_password
from csi_events.db import utcnow
from csi_events.extensions import db
from csi_events.models import Lea, LearningOpportunity, OpportunityTopic, Person, Registration, School, Session, User

DEFAULT_PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_password_hash = None


def _n() -> int:
    return next(_seq)


def make_user(role: str = "staff", email: str | None = None, **kw) -> User:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(DEFAULT_PASSWORD)
    user = User(email=email or f"user{_n()}@example.org", role=role, password_hash=_password_hash, **kw)
    db.session.add(user)
    db.session.flush()
    return user


def make_lea(name: str | None = None, cd_code: str | None = None, subregion: int | None = 4, **kw) -> Lea:
    n = _n()
    lea = Lea(cd_code=cd_code or f"19{n:05d}", name=name or f"Test Unified {n}", subregion=subregion, **kw)
    db.session.add(lea)
    db.session.flush()
    return lea


def make_school(lea: Lea | None = None, name: str | None = None, cds_code: str | None = None, **kw) -> School:
    lea = lea or make_lea()
    n = _n()
    kw.setdefault("subregion", lea.subregion)
    school = School(lea=lea, cds_code=cds_code or f"{lea.cd_code}{n:07d}", name=name or f"School {n}", **kw)
    db.session.add(school)
    db.session.flush()
    return school


def make_person(email: str | None = None, lea: Lea | None = None, school: School | None = None, **kw) -> Person:
    n = _n()
    kw.setdefault("first_name", f"First{n}")
    kw.setdefault("last_name", f"Last{n}")
    person = Person(email=email or f"person{n}@example.org", lea=lea, school=school, **kw)
    db.session.add(person)
    db.session.flush()
    return person


def make_opportunity(
    *,
    title: str | None = None,
    status: str = "published",
    capacity: int | None = 30,
    starts_at: datetime | None = None,
    sessions: int = 1,
    hours: float = 2,
    topics: tuple[str, ...] = ("family_community_engagement",),
    kind: str = "workshop",
    modality: str = "in_person",
    subregion: int | None = 4,
    facilitators: list[User] | None = None,
    **kw,
) -> LearningOpportunity:
    n = _n()
    start = starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0)
    opp = LearningOpportunity(
        title=title or f"Opportunity {n}",
        summary="A learning opportunity for tests.",
        kind=kind,
        modality=modality,
        subregion=subregion,
        capacity=capacity,
        status=status,
        pd_hours=Decimal(str(hours * sessions)),
        **kw,
    )
    for i in range(sessions):
        s = start + timedelta(days=7 * i)
        opp.sessions.append(
            Session(
                starts_at=s, ends_at=s + timedelta(hours=hours), venue="Room 101" if modality != "virtual" else None
            )
        )
    opp.topic_rows = [OpportunityTopic(topic=t) for t in topics]
    opp.facilitators = list(facilitators or [])
    db.session.add(opp)
    db.session.flush()
    return opp


def make_registration(opportunity=None, person=None, status: str = "confirmed", **kw) -> Registration:
    opportunity = opportunity or make_opportunity()
    person = person or make_person()
    reg = Registration(opportunity=opportunity, person=person, status=status, **kw)
    if status == "confirmed":
        reg.confirmed_at = utcnow()
    db.session.add(reg)
    db.session.flush()
    return reg
