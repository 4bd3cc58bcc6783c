"""The counting rules and the building blocks every report statement is made of.

The counting rules, stated once (the SQL path, the rollup and the person page all build on the blocks below;
the figures, splits and filters themselves are declared in definitions.py):
- A *counted opportunity* has status published (or archived: an opportunity that was published and is
  over; archiving must not change past figures). Drafts and cancelled opportunities never count.
- A session is *in the range* when it starts in [local midnight of date_from, local midnight after date_to).
- *attendance*: a check-in not undone (person x session), at a session in the range of a counted opportunity.
- *person*: the surviving person after merges: `coalesce(merged_into_id, id)`. A merge moves rows to the
  survivor anyway (people.services.merge_people), and flattens chains, so one level is enough.
- *attendees*: distinct (person, opportunity) pairs among attendances.
- *unique individuals*: distinct persons among attendances.
- *LEAs / schools reached*: distinct LEA / school of those persons (a person without one is not counted).
- *a person's subregion*: their school's subregion; a school without one takes its LEA's; a person without a
  school takes their LEA's. *Subregions reached*: distinct subregions of the persons (one without is not counted).
- *learning opportunities with attendance*: counted opportunities with an attendance in the range.
- *learning opportunities* / *sessions*: counted opportunities with a session in the range / those sessions.
  With an LEA filter (a person-side filter) both are restricted to the ones attended by that LEA's people.
- Splits: month (local), the person's subregion, LEA and school, and the opportunity's subregion, kind, modality
  and topic; an opportunity with several topics counts in each of its topics, so the topic split may add up to
  more than the total.

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import aliased

from ..checkin.models import CheckIn
from ..directory.models import Lea, School
from ..errors import ValidationFailed
from ..extensions import db
from ..opportunities.models import LearningOpportunity, OpportunityTopic, Session
from ..people.models import Person
from .definitions import DASHBOARD_SPLITS, FIGURE_NAMES, SPLIT_BY_NAME
from .filters import COUNTYWIDE, NO_SUBREGION, ReportFilters

COUNTED_STATUSES = ("published", "archived")

Opp = LearningOpportunity
RowPerson = aliased(Person, name="row_person")  # the person a check-in row names
EffPerson = aliased(Person, name="eff_person")  # that person after merges (the one counted)
PERSON_KEY = func.coalesce(RowPerson.merged_into_id, RowPerson.id)

SPLITS = DASHBOARD_SPLITS
BREAKDOWNS = tuple(SPLIT_BY_NAME)
FIGURES = FIGURE_NAMES
SchoolOfPlace = aliased(School, name="place_school")
LeaOfPlace = aliased(Lea, name="place_lea")


def attendance_conditions() -> list[ColumnElement[bool]]:
    """An attendance: a check-in not undone at a session of a counted opportunity (joined as Opp)."""
    return [CheckIn.undone_at.is_(None), Opp.status.in_(COUNTED_STATUSES)]


def place_joins(person: Any) -> tuple:
    """(target, on, outer) joins that give `person` (a Person entity or alias) their subregion's places: their
    school (SchoolOfPlace) and the LEA whose subregion counts (LeaOfPlace: the school's, or their own)."""
    return (
        (SchoolOfPlace, SchoolOfPlace.id == person.school_id, True),
        (LeaOfPlace, LeaOfPlace.id == func.coalesce(SchoolOfPlace.lea_id, person.lea_id), True),
    )


# A person's subregion (with place_joins): their school's, else that LEA's.
PERSON_SUBREGION = func.coalesce(SchoolOfPlace.subregion, LeaOfPlace.subregion)


def people_places(person: Any) -> Select:
    """SELECT id, lea, school, people_subregion of `person` (a Person entity or alias)."""
    stmt = select(
        person.id.label("id"),
        person.lea_id.label("lea"),
        person.school_id.label("school"),
        PERSON_SUBREGION.label("people_subregion"),
    ).select_from(person)
    for target, on, outer in place_joins(person):
        stmt = stmt.join(target, on, isouter=outer)
    return stmt


@dataclass(frozen=True)
class Scope:
    """The person-side filters, resolved to ids once per report."""

    lea: Lea | None = None
    school: School | None = None
    follow_merges: bool = True
    people_subregion: int | str | None = None  # 1..8, or NO_SUBREGION

    @property
    def active(self) -> bool:
        return self.lea is not None or self.school is not None or self.people_subregion is not None

    def members(self) -> Select:
        """SELECT the ids of the people these filters keep (indexes on people.lea_id / school_id)."""
        stmt = select(Person.id)
        if self.lea is not None:
            stmt = stmt.where(Person.lea_id == self.lea.id)
        if self.school is not None:
            stmt = stmt.where(Person.school_id == self.school.id)
        if self.people_subregion is not None:
            for target, on, outer in place_joins(Person):
                stmt = stmt.join(target, on, isouter=outer)
            if self.people_subregion == NO_SUBREGION:
                stmt = stmt.where(PERSON_SUBREGION.is_(None))
            else:
                stmt = stmt.where(literal(int(self.people_subregion)) == PERSON_SUBREGION)
        return stmt


def resolve_scope(f: ReportFilters) -> Scope:
    school = None
    if f.school is not None:
        school = db.session.scalar(select(School).where(School.cds_code == f.school))
        if school is None:
            raise ValidationFailed(
                _("Unknown school."), fields={"school": [_("No school has the CDS code %(c)s.", c=f.school)]}
            )
    return Scope(resolve_lea(f.lea), school, merged_rows_exist(), f.people_subregion)


def merged_rows_exist() -> bool:
    """Whether any check-in still names a merged person. A merge moves rows to the survivor, so normally
    none does, and the report can skip the second people join; when one does, rows follow merged_into_id.
    (Two index look-ups: people.merged_into_id, then checkins.person_id.)"""
    stmt = (
        select(CheckIn.id)
        .join(Person, Person.id == CheckIn.person_id)
        .where(Person.merged_into_id.is_not(None))
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def resolve_lea(value: str | None) -> Lea | None:
    """An LEA by 7-digit CD code, by id, or by its name (any case); an unknown or ambiguous one is an invalid
    filter."""
    if value is None:
        return None
    lea = None
    if value.isdigit():
        if len(value) == 7:
            lea = db.session.scalar(select(Lea).where(Lea.cd_code == value))
        elif len(value) < 7:
            lea = db.session.get(Lea, int(value))
        if lea is None:
            raise ValidationFailed(_("Unknown LEA."), fields={"lea": [_("No LEA has the code %(c)s.", c=value)]})
        return lea
    named = db.session.scalars(select(Lea).where(func.lower(Lea.name) == value.lower()).limit(2)).all()
    if len(named) == 1:
        return named[0]
    if not named:
        message = _("No LEA is named “%(name)s”: choose one from the suggestions.", name=value)
    else:
        message = _("Several LEAs are named “%(name)s”: choose one from the suggestions.", name=value)
    raise ValidationFailed(_("Unknown LEA."), fields={"lea": [message]})


# --- building blocks -----------------------------------------------------------------------------
def opportunity_conditions(f: ReportFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Opp.status.in_(COUNTED_STATUSES)]
    if f.subregion == COUNTYWIDE:
        conds.append(Opp.subregion.is_(None))
    elif f.subregion is not None:
        conds.append(Opp.subregion == int(f.subregion))
    if f.kind:
        conds.append(Opp.kind == f.kind)
    if f.modality:
        conds.append(Opp.modality == f.modality)
    if f.topic:
        conds.append(Opp.id.in_(select(OpportunityTopic.opportunity_id).where(OpportunityTopic.topic == f.topic)))
    return conds


def session_conditions(f: ReportFilters) -> list:
    return [Session.starts_at >= f.starts_utc, Session.starts_at < f.ends_utc]


def attendance_select(f: ReportFilters, *columns, scope: Scope | None = None, extra_joins=()) -> Select:
    """SELECT columns FROM the attendances of `f` (check-ins not undone, in range, counted opportunities),
    with RowPerson and EffPerson (the person after merges) joined."""
    if scope is None:
        scope = resolve_scope(f)
    stmt = (
        select(*columns)
        .select_from(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(Opp, Opp.id == Session.opportunity_id)
    )
    if scope.follow_merges:
        stmt = stmt.join(RowPerson, RowPerson.id == CheckIn.person_id).join(EffPerson, EffPerson.id == PERSON_KEY)
    else:
        stmt = stmt.join(EffPerson, EffPerson.id == CheckIn.person_id)
    for target, on, outer in extra_joins:
        stmt = stmt.join(target, on, isouter=outer)
    stmt = stmt.where(*attendance_conditions(), *session_conditions(f), *opportunity_conditions(f))
    if scope.active:
        stmt = stmt.where(EffPerson.id.in_(scope.members()))
    return stmt


def month_expression(f: ReportFilters):
    """The local calendar month ("2025-03") a session starts in, as a CASE over UTC month bounds
    (portable: SQLite has no time zones)."""
    months = f.months()
    return case(*[(Session.starts_at < end, literal(label)) for label, _start, end in months], else_=None)
