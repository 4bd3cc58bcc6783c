"""iCalendar (.ics) for opportunities: one per opportunity, and a feed of the catalog (`icalendar` package)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from icalendar import Calendar, Event

from ..db import utcnow
from .models import LearningOpportunity


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//CSI Events//Community Schools Initiative//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    return cal


def _events(opportunity: LearningOpportunity, host: str) -> Iterable[Event]:
    base = current_app.config["BASE_URL"]
    url = f"{base}/opportunities/{opportunity.id}"
    stamp = utcnow()
    for number, session in enumerate(opportunity.sessions, start=1):
        event = Event()
        event.add("uid", f"session-{session.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        title = (
            opportunity.title
            if len(opportunity.sessions) == 1
            else f"{opportunity.title} ({number}/{len(opportunity.sessions)})"
        )
        event.add("summary", title)
        event.add("description", f"{opportunity.summary}\n\n{url}".strip())
        event.add("location", session.venue or session.virtual_url or "Virtual")
        event.add("url", session.virtual_url or url)
        event.add("status", "CANCELLED" if opportunity.status == "cancelled" else "CONFIRMED")
        yield event


def calendar_ics(opportunities: Iterable[LearningOpportunity]) -> bytes:
    """One calendar holding every session of the given opportunities (times in UTC)."""
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0] or "csi-events"
    cal = _calendar()
    for opportunity in opportunities:
        for event in _events(opportunity, host):
            cal.add_component(event)
    return cal.to_ical()


def opportunity_ics(opportunity: LearningOpportunity) -> bytes:
    return calendar_ics([opportunity])
