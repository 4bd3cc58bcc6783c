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


def _events(opportunity: LearningOpportunity, host: str, include_links: bool = True) -> Iterable[Event]:
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
        link = session.virtual_url if include_links else None
        event.add("location", session.venue or link or "Virtual")
        event.add("url", link or url)
        event.add("status", "CANCELLED" if opportunity.status == "cancelled" else "CONFIRMED")
        yield event


def calendar_ics(opportunities: Iterable[LearningOpportunity], *, include_links: bool = True) -> bytes:
    """One calendar holding every session of the given opportunities (times in UTC).

    include_links=False leaves virtual meeting links out (public feeds: links go to registered people)."""
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0] or "csi-events"
    cal = _calendar()
    for opportunity in opportunities:
        for event in _events(opportunity, host, include_links):
            cal.add_component(event)
    return cal.to_ical()


def opportunity_ics(opportunity: LearningOpportunity, *, include_links: bool = True) -> bytes:
    return calendar_ics([opportunity], include_links=include_links)
