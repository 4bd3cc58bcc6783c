"""The e-mails people receive, built from templates/email/<name>.txt and .html.

Every message has a plain-text part; the HTML part is rendered with autoescaping (a name like
"<script>" stays text). Confirmations carry the ticket's QR code as an inline image (multipart/related,
referenced by Content-ID from the HTML) and the opportunity's .ics as an attachment. Session times are
shown in DISPLAY_TIMEZONE (America/Los_Angeles), in the recipient's preferred language when we have it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from babel.dates import format_date, format_time
from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from .. import links
from ..localtime import local_zone
from ..opportunities.calendar import CANCEL, REQUEST, registration_ics
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person
from ..registrations.models import Registration
from ..registrations.qr import qr_png, ticket_url
from .mailer import mail_host


@dataclass
class SessionLine:
    """One session as an e-mail shows it."""

    number: int
    count: int
    when: str
    venue: str | None
    virtual_url: str | None


def _one_line(value: str) -> str:
    """Header-safe text: no line breaks, runs of whitespace collapsed."""
    return re.sub(r"\s+", " ", value or "").strip()


def _recipient(person: Person) -> Address:
    return Address(display_name=_one_line(person.name), addr_spec=person.email)


def _locale_of(person: Person) -> str:
    """The person's language when the app speaks it (a translation catalog exists), else the default: never
    English sentences around dates in another language."""
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    wanted = person.preferred_language or default
    if wanted == default or wanted not in (current_app.config.get("LANGUAGES") or ()):
        return default
    available = {str(locale) for locale in current_app.extensions["babel"].instance.list_translations()}
    return wanted if wanted in available else default


@contextmanager
def _in_language_of(person: Person) -> Iterator[None]:
    with force_locale(_locale_of(person)):
        yield


def base_url() -> str:
    return current_app.config["BASE_URL"]


def manage_url(person_id: int) -> str:
    return f"{base_url()}/me/{links.make_token('manage', {'p': person_id})}"


def here_url(registration_id: int, session_id: int) -> str:
    return f"{base_url()}/here/{links.make_token('here', {'r': registration_id, 's': session_id})}"


def opportunity_url(opportunity: LearningOpportunity) -> str:
    return f"{base_url()}/opportunities/{opportunity.id}"


def session_when(session: Session) -> str:
    """ "Tuesday, December 1, 2026, 9:00 AM – 11:00 AM PST" in the display time zone and current locale."""
    zone = local_zone()
    locale = get_locale()
    start = session.starts_at.astimezone(zone)
    end = session.ends_at.astimezone(zone)
    day = format_date(start, "full", locale=locale)
    start_time = format_time(start, "short", tzinfo=zone, locale=locale)
    end_time = format_time(end, "short", tzinfo=zone, locale=locale)
    zone_name = format_time(end, "z", tzinfo=zone, locale=locale)
    if start.date() != end.date():
        end_day = format_date(end, "full", locale=locale)
        return f"{day}, {start_time} – {end_day}, {end_time} {zone_name}"
    return f"{day}, {start_time} – {end_time} {zone_name}"


def session_lines(opportunity: LearningOpportunity) -> list[SessionLine]:
    count = len(opportunity.sessions)
    return [
        SessionLine(number, count, session_when(s), s.venue, s.virtual_url)
        for number, s in enumerate(opportunity.sessions, start=1)
    ]


def is_virtual(session: Session) -> bool:
    return bool(session.virtual_url) or session.opportunity.modality == "virtual"


def _tidy_text(text: str) -> str:
    """Plain text from a template: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _build(
    person: Person,
    subject: str,
    template: str,
    context: dict,
    *,
    qr_data: str | None = None,
    ics: tuple[str, bytes, str] | None = None,
) -> EmailMessage:
    """A message to `person`: text part, HTML part (with the QR inline when asked), attachments."""
    qr_cid = make_msgid(idstring="qr", domain=mail_host()) if qr_data else None
    context = {
        **context,
        "person": person,
        "subject": subject,
        "qr_cid": qr_cid[1:-1] if qr_cid else None,
        "base_url": base_url(),
        "lang": str(get_locale() or "en"),
    }
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["To"] = _recipient(person)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message.set_content(_tidy_text(render_template(f"email/{template}.txt", **context)))
    message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    if qr_data:
        html_part = message.get_body(preferencelist=("html",))
        assert html_part is not None  # added just above
        html_part.add_related(
            qr_png(qr_data),
            maintype="image",
            subtype="png",
            cid=qr_cid,
            filename="ticket-qr.png",
            disposition="inline",
        )
    if ics:
        filename, data, method = ics
        message.add_attachment(
            data,
            maintype="text",
            subtype="calendar",
            filename=filename,
            params={"charset": "utf-8", "method": method},
        )
    # After the parts: set_content() drops any Content-* header set before it.
    message["Content-Language"] = context["lang"]
    return message


def _ics(registration: Registration, method: str = REQUEST) -> tuple[str, bytes, str]:
    """The calendar attachment: the person's events added or updated (REQUEST), or removed (CANCEL)."""
    return f"csi-event-{registration.opportunity_id}.ics", registration_ics(registration, method), method


def _registration_context(registration: Registration) -> dict:
    opportunity = registration.opportunity
    return {
        "registration": registration,
        "opportunity": opportunity,
        "sessions": session_lines(opportunity),
        "ticket_url": ticket_url(registration.ticket),
        "manage_url": manage_url(registration.person_id),
        "opportunity_url": opportunity_url(opportunity),
    }


def confirmation(registration: Registration, kind: str = "confirmed") -> EmailMessage:
    """The ticket: kind "confirmed" (new), "resent" (asked again) or "promoted" (from the waitlist)."""
    person = registration.person
    with _in_language_of(person):
        title = _one_line(registration.opportunity.title)
        subjects = {
            "confirmed": _("You're registered: %(title)s", title=title),
            "resent": _("Your registration (copy): %(title)s", title=title),
            "promoted": _("A seat opened up, you're confirmed: %(title)s", title=title),
        }
        ticket = ticket_url(registration.ticket)
        return _build(
            person,
            subjects[kind],
            "registration",
            {**_registration_context(registration), "kind": kind},
            qr_data=ticket,
            ics=_ics(registration),
        )


def waitlisted(registration: Registration, *, resent: bool = False) -> EmailMessage:
    person = registration.person
    with _in_language_of(person):
        title = _one_line(registration.opportunity.title)
        subject = _(
            "You're on the waitlist (number %(position)s): %(title)s",
            position=registration.waitlist_position,
            title=title,
        )
        return _build(person, subject, "waitlisted", {**_registration_context(registration), "resent": resent})


def cancelled(registration: Registration) -> EmailMessage:
    person = registration.person
    with _in_language_of(person):
        subject = _("Registration cancelled: %(title)s", title=_one_line(registration.opportunity.title))
        return _build(person, subject, "cancelled", _registration_context(registration), ics=_ics(registration, CANCEL))


def opportunity_cancelled(registration: Registration, reason: str = "") -> EmailMessage:
    """Staff cancelled the whole opportunity: every confirmed or waitlisted person is told."""
    person = registration.person
    with _in_language_of(person):
        subject = _("Cancelled by the organizers: %(title)s", title=_one_line(registration.opportunity.title))
        context = {**_registration_context(registration), "reason": reason}
        return _build(person, subject, "opportunity_cancelled", context, ics=_ics(registration, CANCEL))


def rescheduled(registration: Registration) -> EmailMessage:
    """A session's time changed: the new times, and the calendar update (METHOD:REQUEST, higher SEQUENCE)."""
    person = registration.person
    with _in_language_of(person):
        subject = _("New time: %(title)s", title=_one_line(registration.opportunity.title))
        return _build(person, subject, "rescheduled", _registration_context(registration), ics=_ics(registration))


def account_message(email: str, name: str, subject: str, template: str, context: dict) -> EmailMessage:
    """A message about a sign-in account (templates/email/<template>.txt and .html), in the default language:
    accounts have no language preference."""
    context = {**context, "name": name, "subject": subject, "base_url": base_url(), "lang": str(get_locale() or "en")}
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["To"] = Address(display_name=_one_line(name), addr_spec=email)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message.set_content(_tidy_text(render_template(f"email/{template}.txt", **context)))
    message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return message


def manage_link(person: Person, url: str) -> EmailMessage:
    with _in_language_of(person):
        subject = _("Your link to see and manage your registrations")
        return _build(person, subject, "manage_link", {"url": url})


def reminder(registration: Registration, session: Session) -> EmailMessage:
    """The day-before reminder of one session; virtual sessions carry the room link and "I'm here"."""
    person = registration.person
    opportunity = registration.opportunity
    with _in_language_of(person):
        when = session_when(session)
        subject = _("Reminder: %(title)s, %(when)s", title=_one_line(opportunity.title), when=when)
        virtual = is_virtual(session)
        number = next((i for i, s in enumerate(opportunity.sessions, start=1) if s.id == session.id), 1)
        context = {
            **_registration_context(registration),
            "session": session,
            "session_line": SessionLine(number, len(opportunity.sessions), when, session.venue, session.virtual_url),
            "virtual": virtual,
            "here_url": here_url(registration.id, session.id) if virtual else None,
        }
        in_person = bool(session.venue) or not virtual
        return _build(
            person,
            subject,
            "reminder",
            context,
            qr_data=ticket_url(registration.ticket) if in_person else None,
        )
