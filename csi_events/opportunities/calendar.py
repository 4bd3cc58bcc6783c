"""iCalendar (.ics) for opportunities (`icalendar` package): a file per opportunity, a feed of the catalog, and
the calendar part of the e-mails a registered person receives (docs/calendar.md).

Each session is one event, UID "session-<id>@<host>" everywhere. Its SEQUENCE and LAST-MODIFIED come from the
data (Session.calendar_sequence and calendar_changed_at, raised by every change calendars must follow), and
DTSTAMP is LAST-MODIFIED, so downloading an unchanged event again gives the same bytes. In a person's e-mails
the registration's own calendar_sequence is added (raised when they cancel or register again) and the method
is REQUEST (the ticket, a new time) or CANCEL (they cancelled, or the opportunity was cancelled), with the
sender as ORGANIZER and the person as ATTENDEE, as iTIP (RFC 5546) asks, so the event is updated or removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from .models import LearningOpportunity, Session

REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Version:
    """What a calendar client compares to order updates of one event."""

    sequence: int
    modified: datetime


def session_version(session: Session, opportunity: LearningOpportunity) -> Version:
    return Version(session.calendar_sequence or 0, session.calendar_changed_at or opportunity.created_at)


def _calendar(name: str | None = None, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//CSI Events//Community Schools Initiative//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _host() -> str:
    return current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0] or "csi-events"


def _event(
    opportunity: LearningOpportunity, session: Session, number: int, version: Version, include_links: bool
) -> Event:
    url = f"{current_app.config['BASE_URL']}/opportunities/{opportunity.id}"
    count = len(opportunity.sessions)
    event = Event()
    event.add("uid", f"session-{session.id}@{_host()}")
    event.add("dtstamp", version.modified)
    event.add("last-modified", version.modified)
    event.add("sequence", version.sequence)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", opportunity.title if count == 1 else f"{opportunity.title} ({number}/{count})")
    event.add("description", f"{opportunity.summary}\n\n{url}".strip())
    link = session.virtual_url if include_links else None
    event.add("location", session.venue or link or "Virtual")
    event.add("url", link or url)
    event.add("status", "CANCELLED" if opportunity.status == "cancelled" else "CONFIRMED")
    return event


def calendar_ics(
    opportunities: Iterable[LearningOpportunity], *, include_links: bool = True, name: str | None = None
) -> bytes:
    """One calendar holding every session of the given opportunities (times in UTC), named `name` in calendar
    apps (X-WR-CALNAME). include_links=False leaves virtual meeting links out (public feeds: links go to
    registered people)."""
    cal = _calendar(name)
    for opportunity in opportunities:
        for number, session in enumerate(opportunity.sessions, start=1):
            cal.add_component(
                _event(opportunity, session, number, session_version(session, opportunity), include_links)
            )
    return cal.to_ical()


def opportunity_ics(opportunity: LearningOpportunity, *, include_links: bool = True) -> bytes:
    return calendar_ics([opportunity], include_links=include_links)


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _registration_version(session: Session, registration) -> Version:
    base = session_version(session, registration.opportunity)
    own = registration.cancelled_at if registration.status == "cancelled" else registration.confirmed_at
    modified = max(base.modified, own) if own is not None else base.modified
    return Version(base.sequence + (registration.calendar_sequence or 0), modified)


def registration_ics(registration, method: str) -> bytes:
    """The calendar part of an e-mail to a registered person: REQUEST (add or update the sessions) or CANCEL
    (remove them), with the virtual links (the person is registered)."""
    opportunity = registration.opportunity
    sender_name, sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    cal = _calendar(method=method)
    for number, session in enumerate(opportunity.sessions, start=1):
        event = _event(opportunity, session, number, _registration_version(session, registration), True)
        if method == CANCEL:
            event["status"] = vText("CANCELLED")
        event.add("organizer", _address(sender, sender_name))
        event.add(
            "attendee",
            _address(registration.person.email, registration.person.name, role="REQ-PARTICIPANT", rsvp="FALSE"),
        )
        cal.add_component(event)
    return cal.to_ical()
