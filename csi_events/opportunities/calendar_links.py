""" "Add to calendar" links for one session: Google Calendar and Outlook open a filled-in new event; the .ics
file (calendar.py) carries every session of a series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

GOOGLE_NEW_EVENT = "https://calendar.google.com/calendar/render"
OUTLOOK_NEW_EVENT = "https://outlook.live.com/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class CalendarEvent:
    title: str
    starts_at: datetime  # aware (UTC as stored)
    ends_at: datetime
    location: str
    details: str


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_url(event: CalendarEvent) -> str:
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_google_time(event.starts_at)}/{_google_time(event.ends_at)}",
        "details": event.details,
        "location": event.location,
    }
    return f"{GOOGLE_NEW_EVENT}?{urlencode(query)}"


def outlook_url(event: CalendarEvent) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": _iso_utc(event.starts_at),
        "enddt": _iso_utc(event.ends_at),
        "body": event.details,
        "location": event.location,
    }
    return f"{OUTLOOK_NEW_EVENT}?{urlencode(query)}"


MAP_SEARCH = "https://www.google.com/maps/search/"


def map_url(address: str) -> str:
    """A map search of a venue's address (opens the phone's map app where there is one)."""
    return f"{MAP_SEARCH}?{urlencode({'api': '1', 'query': address})}"
