"""The answers a scan can give, their words and their tone: the one owner of both (the service, the API's schema,
the pages and the check-in page's script all read them from here)."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import gettext as _


class ScanStatus(StrEnum):
    """What a scan answered, in the order the rules are checked (scan.decide)."""

    INVALID = "invalid"
    CANCELED = "canceled"
    WRONG_SESSION = "wrong_session"
    WAITLISTED = "waitlisted"
    NOT_OPEN = "not_open"
    ALREADY_CHECKED_IN = "already_checked_in"
    OK = "ok"

    @property
    def words(self) -> str:
        """What the facilitator reads, in the request's language."""
        return {
            ScanStatus.OK: _("Checked in"),
            ScanStatus.ALREADY_CHECKED_IN: _("Already checked in"),
            ScanStatus.INVALID: _("Unknown ticket"),
            ScanStatus.CANCELED: _("Registration cancelled"),
            ScanStatus.WRONG_SESSION: _("Ticket for another learning opportunity"),
            ScanStatus.WAITLISTED: _("On the waitlist"),
            ScanStatus.NOT_OPEN: _("Check-in is not open now"),
        }[self]

    @property
    def tone(self) -> str:
        """How the answer looks and sounds at the door: "ok", "warn" (look again) or "bad" (do not admit)."""
        if self is ScanStatus.OK:
            return "ok"
        if self in (ScanStatus.ALREADY_CHECKED_IN, ScanStatus.WAITLISTED, ScanStatus.NOT_OPEN):
            return "warn"
        return "bad"


def status_message(status: str) -> str:
    """The words of a scan status (given as its value)."""
    return ScanStatus(status).words


def page_words() -> dict[str, dict[str, str]]:
    """The words and tones the check-in page's script shows, by status (also "undone" and "error", which are
    answers of the page rather than of a scan)."""
    words = {status.value: status.words for status in ScanStatus}
    tones = {status.value: status.tone for status in ScanStatus}
    words.update({"undone": _("Check-in undone"), "error": _("Could not check in")})
    tones.update({"undone": "warn", "error": "bad"})
    return {"status": words, "tone": tones}


def wrong_session_words(title: str) -> str:
    """The answer to a ticket of another opportunity: which one, and nothing about its holder."""
    return _("Ticket for another learning opportunity: %(title)s", title=title)
