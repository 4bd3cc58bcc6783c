"""Across opportunities: invited, responses, response rate and the mean of each standard scale question, overall
and by month, topic, kind, modality and subregion, for any period (the reports' ReportFilters: a response belongs
to the period of the session its survey followed). overall_rating() gives the press-release figure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

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


def survey_summary(f: ReportFilters) -> SurveySummary:
    keys = scale_keys()
    topics = _topics()
    overall = Group("all")
    groups: dict[str, dict] = {split: {} for split in SPLITS}

    def targets(place: _Place):
        yield overall
        for split in SPLITS:
            for key in place.keys(split):
                yield groups[split].setdefault(key, Group(key))

    invited = db.session.execute(_scoped(select(*_PLACE_COLUMNS).select_from(SurveyInvitation).join(Session), f))
    for place in _places(invited, topics):
        for group in targets(place):
            group.invited += 1
    responses = db.session.execute(
        _scoped(select(SurveyResponse.id, *_PLACE_COLUMNS).select_from(SurveyResponse).join(Session), f)
    ).all()
    place_of = dict(zip((r[0] for r in responses), _places([r[1:] for r in responses], topics), strict=True))
    for place in place_of.values():
        for group in targets(place):
            group.responses += 1
    answers = db.session.execute(
        _scoped(
            select(SurveyAnswer.response_id, SurveyAnswer.question_key, SurveyAnswer.number)
            .select_from(SurveyAnswer)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(Session, Session.id == SurveyResponse.session_id),
            f,
        ).where(SurveyAnswer.question_key.in_(keys), SurveyAnswer.number.is_not(None))
    )
    for response_id, key, number in answers:
        if response_id in place_of:
            for group in targets(place_of[response_id]):
                group.sums[key] = group.sums.get(key, 0) + number
                group.counts[key] = group.counts.get(key, 0) + 1
    by = {split: sorted(groups[split].values(), key=lambda g: (g.key is None, str(g.key))) for split in SPLITS}
    return SurveySummary(keys, overall, by)


def overall_rating(f: ReportFilters) -> float | None:
    """The mean answer to the standard "overall quality" question (1 to 5) of the sessions in the period and
    filters, to one decimal ("participants rated the sessions 4.6 of 5"); None without answers."""
    stmt = _scoped(
        select(SurveyAnswer.number)
        .select_from(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Session, Session.id == SurveyResponse.session_id),
        f,
    ).where(SurveyAnswer.question_key == OVERALL_KEY, SurveyAnswer.number.is_not(None))
    numbers = list(db.session.scalars(stmt))
    return rounded_mean(sum(numbers), len(numbers), places=1)
