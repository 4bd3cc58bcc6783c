"""Duplicate an opportunity as a new draft: everything but its dates and its registrations.

Like "copy event" in the common event tools, the copy is a draft and staff give the date of its first session:
every session keeps its spacing (in days), its wall-clock times in Los Angeles (so a 9:00 AM session stays at
9:00 AM across a daylight-saving change), its venue and meeting link. The registration window (dates), the
registrations, check-ins, check-in codes and windows are not copied. The copy goes through create_opportunity,
so every rule of a new opportunity holds; facilitators who can no longer facilitate are left out.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from ..audit.services import record
from ..auth.models import User
from ..errors import ValidationFailed
from ..localtime import DateOutOfRange, local_to_utc, local_today, to_local
from .models import LearningOpportunity
from .services import create_opportunity
from .validation import FACILITATOR_ROLES, TITLE_MAX_LENGTH, OpportunityInput, SessionInput


def copy_title(title: str) -> str:
    suffix = _("%(title)s (copy)", title="")
    return _("%(title)s (copy)", title=title[: TITLE_MAX_LENGTH - len(suffix)].rstrip())


def next_run_day(opp: LearningOpportunity) -> date:
    """The date offered for a copy's first session: the same weekday as the first session, in the first week
    after both today and the last session."""
    if not opp.sessions:
        return local_today() + timedelta(days=7)
    first = to_local(opp.sessions[0].starts_at).date()
    after = max(local_today(), to_local(opp.sessions[-1].starts_at).date())
    return after + timedelta(days=(first.weekday() - after.weekday() - 1) % 7 + 1)


def _shifted(opp: LearningOpportunity, first_day: date) -> list[SessionInput]:
    if not opp.sessions:
        return []
    shift = first_day - to_local(opp.sessions[0].starts_at).date()
    moved: list[SessionInput] = []
    for session in opp.sessions:
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        try:
            starts_at = local_to_utc(start.date() + shift, start.time())
            ends_at = local_to_utc(end.date() + shift, end.time())
        except DateOutOfRange as err:
            raise ValidationFailed(err.message, fields={"first_day": [err.message]}) from err
        except ValueError as err:  # a time skipped by the spring-forward change
            message = _(
                "A session of the copy would start or end at a time that does not exist in Los Angeles "
                "(the clocks move forward that night); choose another date."
            )
            raise ValidationFailed(message, fields={"first_day": [message]}) from err
        moved.append(SessionInput(starts_at, ends_at, session.venue, session.virtual_url))
    return moved


def duplicate_opportunity(
    opp: LearningOpportunity, first_day: date, *, actor: User | None = None
) -> LearningOpportunity:
    """A new draft like `opp` whose first session is on `first_day` (today or later). Flushes only."""
    if first_day < local_today():
        message = _("Choose today or a later date for the copy's first session.")
        raise ValidationFailed(message, fields={"first_day": [message]})
    data = OpportunityInput(
        title=copy_title(opp.title),
        summary=opp.summary or "",
        description=opp.description or "",
        kind=opp.kind,
        modality=opp.modality,
        subregion=opp.subregion,
        audience=opp.audience or "",
        topics=list(opp.topics),
        capacity=opp.capacity,
        pd_hours=opp.pd_hours,
        facilitators=[u.id for u in opp.facilitators if u.active and u.role in FACILITATOR_ROLES],
        sessions=_shifted(opp, first_day),
    )
    copy = create_opportunity(data, actor=actor)
    record("opportunity_duplicated", actor=actor, target=copy, source_id=opp.id)
    return copy
