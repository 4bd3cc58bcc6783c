"""People: likely duplicates, and merging one person into another (flush only; the caller commits).

A merge moves every registration and check-in of the merged person to the survivor. Where both have a row
for the same opportunity (registration) or session (check-in), the two are combined into one, never counted
twice: the best registration status is kept (confirmed > waitlisted > cancelled; two waitlisted: the better
place in line; otherwise the earlier one), and the earliest check-in (an active one before an undone one).
The merged person keeps its row, with merged_into_id pointing at the survivor, so an old address still
finds the survivor.

Combining two registrations changes the opportunity's seats, under the registration services' row lock on
the opportunity: a waitlisted row merged away closes up the places behind it (positions stay 1..n, in the
same order), and a second confirmed seat merged away is freed and given to the waitlist, with the same
promotion e-mail as after a cancel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..checkin.models import CheckIn
from ..db import lock_row_for_update, utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..registrations.models import Registration
from ..registrations.services import close_waitlist_gap, fill_from_waitlist
from ..support.models import support_activity_contacts
from .models import Person

STATUS_RANK = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}
MAX_GROUPS = 200


def canonical_email(email: str | None) -> str | None:
    """The address with dots and a +tag removed from the local part (gmail-style variants)."""
    if not email or "@" not in email:
        return None
    local, _at, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}"


@dataclass
class DuplicateGroup:
    reason: str  # "same_name_lea" | "email_variant" | "same_name"
    people: list[Person] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {
            "same_name_lea": _("Same name in one LEA"),
            "email_variant": _("E-mail variants (dots or +tag)"),
            "same_name": _("Same name, different addresses"),
        }[self.reason]


def _active_people():
    return select(Person).where(Person.merged_into_id.is_(None), Person.erased_at.is_(None))


def _name_keys():
    """Lower-cased, trimmed first and last names, and "active" (not merged, not erased)."""
    first = func.lower(func.trim(Person.first_name))
    last = func.lower(func.trim(Person.last_name))
    return first, last, and_(Person.merged_into_id.is_(None), Person.erased_at.is_(None))


def suggest_duplicates(limit: int = MAX_GROUPS) -> list[DuplicateGroup]:
    """Groups of people who are likely one human. Names are grouped in SQL; e-mail variants are found by
    one pass over (id, email) pairs, since folding the local part is not portable SQL."""
    groups: list[tuple[str, list[int]]] = []
    seen: set[frozenset[int]] = set()
    for reason, found in (
        ("same_name_lea", _same_name_and_lea()),
        ("email_variant", _email_variants()),
        ("same_name", _same_name_other_email()),
    ):
        for ids in found:
            key = frozenset(ids)
            if len(key) > 1 and key not in seen:
                seen.add(key)
                groups.append((reason, sorted(key)))
    groups = groups[:limit]
    wanted = {pid for _r, ids in groups for pid in ids}
    people = (
        {
            p.id: p
            for p in db.session.scalars(select(Person).where(Person.id.in_(wanted)).options(joinedload(Person.lea)))
        }
        if wanted
        else {}
    )
    return [DuplicateGroup(reason, [people[i] for i in ids]) for reason, ids in groups]


def _same_name_and_lea() -> list[list[int]]:
    """Ids of active people sharing first name, last name and LEA, per such triple."""
    first, last, active = _name_keys()
    same_lea = (
        select(first, last, Person.lea_id)
        .where(active, Person.lea_id.is_not(None))
        .group_by(first, last, Person.lea_id)
        .having(func.count() > 1)
        .subquery()
    )
    rows = db.session.execute(
        select(Person.id, same_lea.c[0], same_lea.c[1], same_lea.c.lea_id)
        .join(same_lea, and_(first == same_lea.c[0], last == same_lea.c[1], Person.lea_id == same_lea.c.lea_id))
        .where(active)
        .order_by(same_lea.c[1], same_lea.c[0], Person.id)
    ).all()
    buckets: dict[tuple, list[int]] = {}
    for pid, f, la, lea_id in rows:
        buckets.setdefault((f, la, lea_id), []).append(pid)
    return list(buckets.values())


def _email_variants() -> list[list[int]]:
    """Ids of active people whose addresses are one after canonical_email(), per such address."""
    _first, _last, active = _name_keys()
    variants: dict[str, list[int]] = {}
    for pid, email in db.session.execute(select(Person.id, Person.email).where(active, Person.email.is_not(None))):
        canon = canonical_email(email)
        if canon:
            variants.setdefault(canon, []).append(pid)
    return [ids for ids in variants.values() if len(ids) > 1]


def _same_name_other_email() -> list[list[int]]:
    """Ids of active people sharing first and last name under more than one address, per such name."""
    first, last, active = _name_keys()
    same_name = (
        select(first, last).where(active).group_by(first, last).having(func.count(func.distinct(Person.email)) > 1)
    ).subquery()
    rows = db.session.execute(
        select(Person.id, same_name.c[0], same_name.c[1])
        .join(same_name, and_(first == same_name.c[0], last == same_name.c[1]))
        .where(active)
        .order_by(same_name.c[1], same_name.c[0], Person.id)
    ).all()
    buckets: dict[tuple, list[int]] = {}
    for pid, f, la in rows:
        buckets.setdefault((f, la), []).append(pid)
    return list(buckets.values())


# --- merge ---------------------------------------------------------------------------------------
@dataclass
class MergePlan:
    survivor: Person
    merged: Person
    registrations_moved: list[Registration]
    registrations_combined: list[tuple[Registration, Registration]]  # (kept, dropped)
    checkins_moved: list[CheckIn]
    checkins_combined: list[tuple[CheckIn, CheckIn]]  # (kept, dropped)
    promoted: list[Registration] = field(default_factory=list)  # from a waitlist, to a seat the merge freed


def _load(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    return person


def _better_registration(a: Registration, b: Registration) -> Registration:
    """Confirmed before waitlisted before cancelled; two waitlisted: the better place in line (a row
    re-used after a cancel is old but at the end of the line); else the earlier row."""
    return min((a, b), key=lambda r: (STATUS_RANK.get(r.status, 9), r.waitlist_position or 0, r.created_at, r.id))


def _earlier_checkin(a: CheckIn, b: CheckIn) -> CheckIn:
    return min((a, b), key=lambda c: (c.undone_at is not None, c.checked_in_at, c.id))


def plan_merge(survivor_id: int, merged_id: int) -> MergePlan:
    """What a merge would do, without changing anything (the preview)."""
    if survivor_id == merged_id:
        raise Conflict(_("Choose two different people."))
    survivor, merged = _load(survivor_id), _load(merged_id)
    for person in (survivor, merged):
        if person.merged_into_id is not None:
            raise Conflict(_("%(name)s was already merged into another person.", name=person.name))
    regs = db.session.scalars(
        select(Registration)
        .where(Registration.person_id.in_((survivor.id, merged.id)))
        .order_by(Registration.id)
        .execution_options(populate_existing=True)  # a merge reads again under the opportunities' locks
    ).all()
    reg_moved, reg_combined = _pair_up(regs, "opportunity_id", survivor.id, merged.id, _better_registration)
    checkins = db.session.scalars(
        select(CheckIn).where(CheckIn.person_id.in_((survivor.id, merged.id))).order_by(CheckIn.id)
    ).all()
    ci_moved, ci_combined = _pair_up(checkins, "session_id", survivor.id, merged.id, _earlier_checkin)
    return MergePlan(survivor, merged, reg_moved, reg_combined, ci_moved, ci_combined)


def _pair_up(rows, key: str, survivor_id: int, merged_id: int, choose) -> tuple[list, list]:
    """The merged person's rows: (moved: no survivor row for the same `key`, combined: (kept, dropped) pairs,
    `choose(survivor_row, merged_row)` naming the row to keep)."""
    kept = {getattr(r, key): r for r in rows if r.person_id == survivor_id}
    moved, combined = [], []
    for row in (r for r in rows if r.person_id == merged_id):
        other = kept.get(getattr(row, key))
        if other is None:
            moved.append(row)
        else:
            keep = choose(other, row)
            combined.append((keep, row if keep is other else other))
    return moved, combined


def merge_people(survivor_id: int, merged_id: int, *, actor=None) -> MergePlan:
    """Merge `merged_id` into `survivor_id` (flush only)."""
    _lock_person(survivor_id)
    plan = _plan_under_seat_locks(survivor_id, merged_id)
    survivor, merged = plan.survivor, plan.merged
    _merge_registrations(plan)
    _merge_checkins(plan)
    _move_other_references(merged.id, survivor.id)

    # Keep one level: whoever was merged into `merged` now points at the survivor.
    db.session.execute(update(Person).where(Person.merged_into_id == merged.id).values(merged_into_id=survivor.id))
    merged.merged_into_id = survivor.id
    merged.updated_at = utcnow()
    if not survivor.needs and merged.needs:
        survivor.needs = merged.needs
    db.session.flush()
    record(
        "merge",
        actor=actor,
        target=survivor,
        merged_person_id=merged.id,
        merged_email=merged.email,
        registrations_moved=[r.id for r in plan.registrations_moved],
        registrations_combined=[[k.id, d.id] for k, d in plan.registrations_combined],
        checkins_moved=[c.id for c in plan.checkins_moved],
        checkins_combined=[[k.id, d.id] for k, d in plan.checkins_combined],
        promoted_from_waitlist=[r.id for r in plan.promoted],
    )
    return plan


def _merge_registrations(plan: MergePlan) -> None:
    """Combined pairs keep the better row; the dropped row's check-ins point at the kept one. The seats and
    places the dropped rows held are given back (plan.promoted: who got a seat)."""
    dropped = [(keep.opportunity, drop.status, drop.waitlist_position) for keep, drop in plan.registrations_combined]
    for keep, drop in plan.registrations_combined:
        db.session.execute(update(CheckIn).where(CheckIn.registration_id == drop.id).values(registration_id=keep.id))
        db.session.delete(drop)
    db.session.flush()
    for keep, _drop in plan.registrations_combined:
        keep.person_id = plan.survivor.id
    for reg in plan.registrations_moved:
        reg.person_id = plan.survivor.id
    db.session.flush()
    for opportunity, status, position in dropped:
        if status == "waitlisted" and position is not None:
            close_waitlist_gap(opportunity.id, after=position, by=1)
        elif status == "confirmed":  # both were confirmed: one seat is free again
            plan.promoted += fill_from_waitlist(opportunity)


def _merge_checkins(plan: MergePlan) -> None:
    """One check-in per (session, person): the earliest stays."""
    for _keep, drop in plan.checkins_combined:
        db.session.delete(drop)
    db.session.flush()
    for keep, _drop in plan.checkins_combined:
        keep.person_id = plan.survivor.id
    for ci in plan.checkins_moved:
        ci.person_id = plan.survivor.id


def _move_other_references(merged_id: int, survivor_id: int) -> None:
    """Logins and support-activity contacts of the merged person move to the survivor."""
    db.session.execute(update(User).where(User.person_id == merged_id).values(person_id=survivor_id))
    already = select(support_activity_contacts.c.activity_id).where(
        support_activity_contacts.c.person_id == survivor_id
    )
    db.session.execute(
        insert(support_activity_contacts).from_select(
            ["activity_id", "person_id"],
            select(support_activity_contacts.c.activity_id, literal(survivor_id)).where(
                support_activity_contacts.c.person_id == merged_id,
                support_activity_contacts.c.activity_id.not_in(already),
            ),
        )
    )
    db.session.execute(delete(support_activity_contacts).where(support_activity_contacts.c.person_id == merged_id))


def _plan_under_seat_locks(survivor_id: int, merged_id: int) -> MergePlan:
    """The plan, read after lock_row_for_update() on every opportunity where two registrations are combined
    (in id order), so no sign-up or cancel changes those seats between the plan and the merge. A collision
    that appeared meanwhile is locked too and the plan read again."""
    locked: set[int] = set()
    while True:
        plan = plan_merge(survivor_id, merged_id)
        shared = {keep.opportunity_id for keep, _drop in plan.registrations_combined}
        if shared <= locked:
            return plan
        for opportunity_id in sorted(shared - locked):
            lock_row_for_update(db.session, "opportunities", opportunity_id)
        locked |= shared


def _lock_person(person_id: int) -> None:
    """Serialize merges touching one survivor (people rows have no lock_version: lock via a no-op update)."""
    db.session.execute(update(Person).where(Person.id == person_id).values(updated_at=utcnow()))
