"""Across opportunities: invited, responses, response rate and the mean of each standard scale question, overall
and by month, topic, kind, modality and subregion, for any period (the reports' ReportFilters: a response belongs
to the period of the session its survey followed). overall_rating() gives the press-release figure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..localtime import local_zone
from ..opportunities.models import LearningOpportunity, OpportunityTopic, Session
from ..reports.filters import COUNTYWIDE, ReportFilters
from .defaults import OVERALL_KEY
from .models import BankQuestion, SurveyAnswer, SurveyInvitation, SurveyResponse
from .questions import ensure_bank
from .results import rate, rounded_mean

SPLITS = ("month", "topic", "kind", "modality", "subregion")


@dataclass
class Group:
    key: str | int | None
    invited: int = 0
    responses: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def response_rate(self) -> float | None:
        return rate(self.responses, self.invited)

    def mean(self, key: str) -> float | None:
        return rounded_mean(self.sums.get(key, 0), self.counts.get(key, 0))


@dataclass
class SurveySummary:
    keys: list[str]  # the standard scale questions, in the bank's order
    overall: Group
    by: dict[str, list[Group]]


@dataclass(frozen=True)
class _Place:
    """Where a row falls in each split."""

    month: str
    topics: tuple[str, ...]
    kind: str
    modality: str
    subregion: int | None

    def keys(self, split: str) -> tuple:
        return self.topics if split == "topic" else (getattr(self, split),)


def _scoped(stmt, f: ReportFilters):
    stmt = stmt.join(LearningOpportunity, LearningOpportunity.id == Session.opportunity_id).where(
        Session.starts_at >= f.starts_utc, Session.starts_at < f.ends_utc
    )
    if f.kind:
        stmt = stmt.where(LearningOpportunity.kind == f.kind)
    if f.modality:
        stmt = stmt.where(LearningOpportunity.modality == f.modality)
    if f.subregion == COUNTYWIDE:
        stmt = stmt.where(LearningOpportunity.subregion.is_(None))
    elif f.subregion is not None:
        stmt = stmt.where(LearningOpportunity.subregion == f.subregion)
    if f.topic:
        stmt = stmt.where(
            select(OpportunityTopic.topic)
            .where(OpportunityTopic.opportunity_id == LearningOpportunity.id, OpportunityTopic.topic == f.topic)
            .exists()
        )
    return stmt


_PLACE_COLUMNS = (
    Session.starts_at,
    LearningOpportunity.id,
    LearningOpportunity.kind,
    LearningOpportunity.modality,
    LearningOpportunity.subregion,
)


def _places(rows, topics: dict[int, tuple[str, ...]]) -> list[_Place]:
    zone = local_zone()
    return [
        _Place(f"{start.astimezone(zone):%Y-%m}", topics.get(opp_id, ()), kind, modality, subregion)
        for start, opp_id, kind, modality, subregion in rows
    ]


def _topics() -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = defaultdict(list)
    for opp_id, topic in db.session.execute(select(OpportunityTopic.opportunity_id, OpportunityTopic.topic)):
        out[opp_id].append(topic)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def scale_keys() -> list[str]:
    ensure_bank()
    stmt = (
        select(BankQuestion.key)
        .where(BankQuestion.standard.is_(True), BankQuestion.kind == "scale")
        .order_by(BankQuestion.position, BankQuestion.id)
    )
    return list(db.session.scalars(stmt))


def _per_session(stmt, f: ReportFilters) -> dict[int, int]:
    return dict(db.session.execute(_scoped(stmt.group_by(Session.id), f)).tuples().all())


def survey_summary(f: ReportFilters) -> SurveySummary:
    """Counted by the database per session (invitations, responses, sum and count of each scale answer), then
    added up per group here: the work in Python grows with the sessions, not with the answers."""
    keys = scale_keys()
    sessions = db.session.execute(_scoped(select(Session.id, *_PLACE_COLUMNS), f)).all()
    place_of = dict(zip((r[0] for r in sessions), _places([r[1:] for r in sessions], _topics()), strict=True))
    invited = _per_session(select(Session.id, func.count()).select_from(SurveyInvitation).join(Session), f)
    responded = _per_session(select(Session.id, func.count()).select_from(SurveyResponse).join(Session), f)
    scored = db.session.execute(
        _scoped(
            select(
                Session.id, SurveyAnswer.question_key, func.sum(SurveyAnswer.number), func.count(SurveyAnswer.number)
            )
            .select_from(SurveyAnswer)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(Session, Session.id == SurveyResponse.session_id)
            .where(SurveyAnswer.question_key.in_(keys), SurveyAnswer.number.is_not(None))
            .group_by(Session.id, SurveyAnswer.question_key),
            f,
        )
    ).all()
    overall = Group("all")
    groups: dict[str, dict] = {split: {} for split in SPLITS}

    def targets(session_id: int):
        place = place_of[session_id]
        yield overall
        for split in SPLITS:
            for key in place.keys(split):
                yield groups[split].setdefault(key, Group(key))

    for session_id in place_of:
        for group in targets(session_id):
            group.invited += invited.get(session_id, 0)
            group.responses += responded.get(session_id, 0)
    for session_id, key, total, count in scored:
        for group in targets(session_id):
            group.sums[key] = group.sums.get(key, 0) + int(total)
            group.counts[key] = group.counts.get(key, 0) + count
    for split in SPLITS:  # sessions without any invitation are no group of their own
        groups[split] = {k: g for k, g in groups[split].items() if g.invited or g.responses}
    by = {split: sorted(groups[split].values(), key=lambda g: (g.key is None, str(g.key))) for split in SPLITS}
    return SurveySummary(keys, overall, by)


@dataclass(frozen=True)
class Rating:
    mean: float  # 1 to 5, to one decimal
    answers: int  # responses that answered the overall-quality question


def overall_rating(f: ReportFilters) -> Rating | None:
    """The mean answer to the standard "overall quality" question (1 to 5) of the sessions in the period and
    filters, to one decimal ("participants rated the sessions 4.6 of 5"), with how many answered; None without
    answers."""
    stmt = _scoped(
        select(func.sum(SurveyAnswer.number), func.count(SurveyAnswer.number))
        .select_from(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Session, Session.id == SurveyResponse.session_id),
        f,
    ).where(SurveyAnswer.question_key == OVERALL_KEY, SurveyAnswer.number.is_not(None))
    total, count = db.session.execute(stmt).one()
    mean = rounded_mean(int(total or 0), count, places=1)
    return Rating(mean, count) if mean is not None else None
