"""Rules for learning opportunities: create and edit (with sessions). Services flush; the caller commits.

Pages and the API both build an OpportunityInput and call these functions, so every rule and every
message lives in this package; beside this module:
- validation: the input dataclasses (OpportunityInput, SessionInput), parsing and every field's check;
- transitions: publish, cancel, archive and change_status.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..auth.models import User
from ..db import lock_row_for_update
from ..errors import ValidationFailed
from ..extensions import db
from ..localtime import to_local
from . import calendar_changes
from .models import LearningOpportunity, OpportunityTopic, Session
from .validation import FieldErrors, OpportunityInput, clean_input


def _apply(opp: LearningOpportunity, clean: dict) -> None:
    for name in (
        "title",
        "summary",
        "description",
        "audience",
        "kind",
        "modality",
        "subregion",
        "capacity",
        "pd_hours",
        "registration_opens_at",
        "registration_closes_at",
    ):
        setattr(opp, name, clean[name])
    wanted = clean["topics"]
    opp.topic_rows = [row for row in opp.topic_rows if row.topic in wanted] + [
        OpportunityTopic(topic=t) for t in wanted if t not in {row.topic for row in opp.topic_rows}
    ]
    opp.facilitators = list(clean["facilitators"])


def create_opportunity(data: OpportunityInput, *, actor: User | None = None) -> LearningOpportunity:
    """A new draft opportunity with its sessions."""
    errors = FieldErrors()
    clean = clean_input(data, errors)
    for index, row in enumerate(clean["sessions"]):
        if row["id"] is not None:
            errors.add(f"sessions.{index}.id", _("A new opportunity has no existing sessions to edit."))
    errors.raise_if_any()
    opp = LearningOpportunity(status="draft", created_by_id=getattr(actor, "id", None))
    _apply(opp, clean)
    opp.sessions = [
        Session(starts_at=r["starts_at"], ends_at=r["ends_at"], venue=r["venue"], virtual_url=r["virtual_url"])
        for r in clean["sessions"]
    ]
    db.session.add(opp)
    db.session.flush()
    record("opportunity_created", actor=actor, target=opp, title=opp.title)
    return opp


def _sessions_with_attendance(session_ids: list[int]) -> set[int]:
    from ..checkin.models import CheckIn, ScanAnswer

    if not session_ids:
        return set()
    used = set(db.session.scalars(select(CheckIn.session_id).where(CheckIn.session_id.in_(session_ids))))
    used |= set(db.session.scalars(select(ScanAnswer.session_id).where(ScanAnswer.session_id.in_(session_ids))))
    return used


def update_opportunity(
    opp: LearningOpportunity, data: OpportunityInput, *, actor: User | None = None
) -> LearningOpportunity:
    """Edit every field. `data.sessions` is the full list: items with an id edit that session, items
    without one are added, and sessions left out are removed (unless people checked in to them).
    Raising (or removing) the capacity confirms the first waitlisted people at once; lowering it below
    the number already confirmed is refused."""
    from ..registrations.services import fill_from_waitlist

    errors = FieldErrors()
    clean = clean_input(data, errors)
    existing = {s.id: s for s in opp.sessions}
    _check_session_edits(clean["sessions"], existing, errors)
    errors.raise_if_any()

    old_capacity = opp.capacity
    new_capacity = clean["capacity"]
    capacity_changed = new_capacity != old_capacity
    if capacity_changed:
        _check_new_capacity(opp, new_capacity)

    calendar_before = calendar_changes.facts(opp)
    _apply(opp, clean)
    keep_rows = []
    for row in clean["sessions"]:
        target = existing[row["id"]] if row["id"] is not None else Session()
        target.starts_at, target.ends_at = row["starts_at"], row["ends_at"]
        target.venue, target.virtual_url = row["venue"], row["virtual_url"]
        keep_rows.append(target)
    opp.sessions = sorted(keep_rows, key=lambda s: s.starts_at)
    db.session.flush()
    calendar_changes.after_edit(opp, calendar_before)
    if capacity_changed:
        record("opportunity_capacity_changed", actor=actor, target=opp, old=old_capacity, new=new_capacity)
        if new_capacity is None or old_capacity is None or new_capacity > old_capacity:
            fill_from_waitlist(opp)
    return opp


def _check_session_edits(rows: list[dict], existing: dict[int, Session], errors: FieldErrors) -> None:
    """Sessions named by id must be this opportunity's, each once; one left out must have no check-ins."""
    kept: set[int] = set()
    for index, row in enumerate(rows):
        if row["id"] is None:
            continue
        if row["id"] not in existing:
            errors.add(f"sessions.{index}.id", _("Session %(id)s is not part of this opportunity.", id=row["id"]))
        elif row["id"] in kept:
            errors.add(f"sessions.{index}.id", _("Session %(id)s is listed twice.", id=row["id"]))
        kept.add(row["id"])
    removed = [sid for sid in existing if sid not in kept]
    for sid in sorted(_sessions_with_attendance(removed)):
        when = to_local(existing[sid].starts_at)
        errors.add(
            "sessions",
            _(
                "The session of %(when)s has check-ins, so it cannot be removed.",
                when=when.strftime("%Y-%m-%d %H:%M"),
            ),
        )


def _check_new_capacity(opp: LearningOpportunity, new_capacity: int | None) -> None:
    """Take the opportunity's seat lock; a capacity below the people already confirmed is refused."""
    from ..registrations.services import confirmed_count

    lock_row_for_update(db.session, "opportunities", opp.id)
    if new_capacity is None:
        return
    confirmed = confirmed_count(opp.id)
    if new_capacity < confirmed:
        raise ValidationFailed(
            _("Capacity cannot go below the %(n)d people already confirmed.", n=confirmed),
            fields={
                "capacity": [
                    _(
                        "%(n)d people are already confirmed: set a capacity of at least %(n)d, "
                        "or cancel registrations first.",
                        n=confirmed,
                    )
                ]
            },
        )
