"""Load the demo: directory, accounts, opportunities, registrations, check-ins and surveys (flush only).

Everything goes through the models and the services the app itself uses (create_user, create_opportunity,
publish/cancel, register, cancel, check_in), so demo data obeys the same rules as real data.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .. import outbox
from ..auth.models import User
from ..auth.services import create_user
from ..checkin.scan import check_in
from ..db import utcnow
from ..directory.models import Lea, School
from ..directory.services import KNOWN_ALIASES
from ..extensions import db
from ..localtime import local_to_utc, to_local
from ..opportunities import services as opportunities
from ..opportunities.models import LearningOpportunity
from ..opportunities.transitions import cancel as cancel_opportunity
from ..opportunities.transitions import publish
from ..opportunities.validation import OpportunityInput, SessionInput
from ..registrations.services import RegistrationInput, cancel, register
from . import data
from .surveys import load_surveys

ATTENDANCE_RATE = 0.8


@dataclass
class DemoReport:
    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)  # email -> (role, password)
    leas: int = 0
    schools: int = 0
    opportunities: int = 0
    registrations: int = 0
    checkins: int = 0
    survey_responses: int = 0


def has_users() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def _at_local(day: date, hour: int, minute: int) -> datetime:
    return local_to_utc(day, time(hour, minute))


def load_directory(schools: list[data.DemoSchool], report: DemoReport) -> dict[str, Lea]:
    """Get-or-create by code: a directory imported from CDE beforehand is kept as it is, and completed."""
    leas = {lea.cd_code: lea for lea in db.session.scalars(select(Lea))}
    for item in data.LEAS:
        lea = leas.get(item.cd_code)
        if lea is None:
            lea = Lea(
                cd_code=item.cd_code,
                name=item.name,
                kind=item.kind,
                county="Los Angeles",
                aliases=KNOWN_ALIASES.get(item.cd_code),
            )
            db.session.add(lea)
            leas[item.cd_code] = lea
            report.leas += 1
            lea.subregion = item.subregion
            lea.ccspp_status = item.ccspp_status
            lea.ccspp_cohort = item.ccspp_cohort
    db.session.flush()
    existing = set(db.session.scalars(select(School.cds_code)))
    for school in schools:
        if school.cds_code in existing:
            continue
        db.session.add(
            School(
                cds_code=school.cds_code,
                name=school.name,
                lea_id=leas[school.lea_cd_code].id,
                subregion=school.subregion,
                city=school.city,
                ccspp_status=school.ccspp_status,
            )
        )
        report.schools += 1
    db.session.flush()
    return leas


def load_users(report: DemoReport) -> list[User]:
    users = []
    for email, role, name in data.STAFF_USERS:
        password = secrets.token_urlsafe(12)
        users.append(create_user(email, password, role, display_name=name))
        report.passwords[email] = (role, password)
    return users


def _session_starts(item: data.DemoOpportunity, today: date) -> list[datetime]:
    return [
        _at_local(today + timedelta(days=item.start_day + n * item.every_days), *item.start_time)
        for n in range(item.sessions)
    ]


def _sessions(item: data.DemoOpportunity, starts_at: list[datetime]) -> list[SessionInput]:
    result = []
    for n, starts in enumerate(starts_at):
        virtual = item.modality in ("virtual", "hybrid")
        result.append(
            SessionInput(
                starts_at=starts,
                ends_at=starts + timedelta(minutes=item.minutes),
                venue=item.venue if item.modality != "virtual" else None,
                virtual_url=f"{data.ZOOM}{8100000000 + n * 7919 + len(item.title)}" if virtual else None,
            )
        )
    return result


def load_opportunities(
    rng: random.Random, report: DemoReport, staff: User, facilitators: list[User], people: list[data.DemoPerson]
) -> None:
    now = utcnow()
    today = to_local(now).date()
    for item in data.OPPORTUNITIES:
        starts = _session_starts(item, today)
        first_start = starts[0]
        sessions = _sessions(item, starts)
        hours = (item.pd_hours_per_session or item.minutes / 60) * item.sessions
        opp = opportunities.create_opportunity(
            OpportunityInput(
                title=item.title,
                kind=item.kind,
                modality=item.modality,
                sessions=sessions,
                summary=item.summary,
                description=item.description or item.summary,
                subregion=item.subregion,
                audience=item.audience,
                topics=list(item.topics),
                capacity=item.capacity,
                pd_hours=Decimal(str(round(hours * 4) / 4)),
                registration_opens_at=first_start - timedelta(days=45),
                registration_closes_at=starts[-1],
                facilitators=[facilitators[i].id for i in item.facilitators],
            ),
            actor=staff,
        )
        report.opportunities += 1
        if item.status == "draft":
            continue
        publish(opp, actor=staff)
        registrations = _register(rng, opp, item, people, first_start, report)
        for registration in registrations[: item.cancel_some]:
            cancel(registration, now=min(now, first_start - timedelta(days=1)))
        if item.status == "cancelled":
            cancel_opportunity(opp, actor=staff, reason="Demo: presenter unavailable.")
            continue
        _check_in_past_sessions(rng, opp, facilitators[item.facilitators[0]], now, report)


def _register(rng, opp: LearningOpportunity, item, people, first_start: datetime, report: DemoReport) -> list:
    chosen = rng.sample(people, min(item.registrations, len(people)))
    outcomes = []
    for n, person in enumerate(chosen):
        # sign-ups spread over the weeks before the first session (never in the future)
        moment = min(first_start - timedelta(days=30) + timedelta(hours=11 * n + rng.randrange(0, 10)), utcnow())
        outcome = register(
            opp,
            RegistrationInput(
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                role=person.role,
                lea_cd_code=person.lea_cd_code,
                school_cds_code=person.school_cds_code,
                organization=person.organization,
                needs="Spanish interpretation" if rng.random() < 0.08 else None,
            ),
            source="online",
            enforce_window=False,
            now=moment,
        )
        outcome.registration.created_at = moment
        outcomes.append(outcome.registration)
        report.registrations += 1
    return outcomes


def _check_in_past_sessions(rng, opp: LearningOpportunity, by: User, now: datetime, report: DemoReport) -> None:
    confirmed = [r for r in _registrations(opp) if r.status == "confirmed"]
    for session in opp.sessions:
        if session.starts_at > now:
            continue
        for registration in confirmed:
            if rng.random() > ATTENDANCE_RATE:
                continue
            moment = session.starts_at + timedelta(minutes=rng.randrange(-15, 20))
            result = check_in(
                session,
                registration.ticket,
                str(uuid.UUID(int=rng.getrandbits(128))),
                by,
                method=rng.choice(("qr", "qr", "qr", "search")),
                now=moment,
            )
            if result.status == "ok":
                report.checkins += 1


def _registrations(opp: LearningOpportunity) -> list:
    from ..registrations.models import Registration

    return list(
        db.session.scalars(select(Registration).where(Registration.opportunity_id == opp.id).order_by(Registration.id))
    )


def load_demo(seed: int = data.SEED) -> DemoReport:
    """Build the whole demo in the current transaction (flush only; the caller commits).
    E-mails the services queue for demo people are dropped: the demo never mails anybody."""
    rng = random.Random(seed)
    report = DemoReport()
    schools = data.demo_schools(rng)
    load_directory(schools, report)
    _admin, staff, *facilitators = load_users(report)
    people = data.demo_people(rng, schools)
    load_opportunities(rng, report, staff, facilitators, people)
    report.survey_responses = load_surveys(rng, utcnow())
    outbox.discard(db.session)
    return report
