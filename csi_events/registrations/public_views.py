"""Public registration pages: the sign-up form, the ticket (page, QR code, calendar file, cancel) and a
person's own list of registrations opened from a signed link."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.access import access_rule
from ..db import commit, utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db, limiter
from ..links import LinkInvalid, make_token, read_token
from ..localtime import to_local
from ..opportunities.calendar import opportunity_ics
from ..opportunities.models import LearningOpportunity
from ..opportunities.queries import registration_counts
from ..people.models import Person, normalize_email
from ..reports.filters import school_year_label
from ..reports.person import certificate_data
from . import services
from .forms import ActionForm, ManageLinkForm, RegistrationForm
from .manage_links import request_manage_link
from .models import Registration
from .people_lookup import survivor
from .qr import qr_png, qr_svg, ticket_url
from .queries import person_registrations
from .views import (
    FORM_BODY_LIMIT,
    apply_field_errors,
    bp,
    input_from_form,
    manage_link_limit,
    registration_limit,
)


def _private(response: Response) -> Response:
    """Pages that hold a ticket or a personal link: never cached, never sent on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _opportunity_or_404(opportunity_id: int) -> LearningOpportunity:
    opportunity = db.session.get(LearningOpportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(_("There is no such learning opportunity."))
    return opportunity


# --- public sign-up --------------------------------------------------------------------------------


@bp.route("/opportunities/<int:opportunity_id>/register", methods=["GET", "POST"])
@limiter.shared_limit(registration_limit, scope="registration", methods=["POST"])
@access_rule("public")
def register(opportunity_id: int):
    request.max_content_length = FORM_BODY_LIMIT
    opportunity = _opportunity_or_404(opportunity_id)
    reason = services.registration_closed_reason(opportunity, utcnow())
    if reason:
        status = 409 if request.method == "POST" else 200
        return render_template("registrations/closed.html", opportunity=opportunity, reason=reason), status
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            services.register(opportunity, input_from_form(form), source="online")
        except ValidationFailed as err:
            db.session.rollback()
            apply_field_errors(form, err)
        except Conflict as err:
            db.session.rollback()
            return render_template("registrations/closed.html", opportunity=opportunity, reason=err.message), 409
        else:
            commit(db.session)
            # One answer whether the address was new or already registered (nothing to learn about someone
            # else's address): the ticket, confirmed or waitlisted, goes to the mailbox only. The page repeats the
            # address as typed (normalized) so that a typo shows; rendered here, not after a redirect, so that
            # the address never travels in a URL or a cookie.
            page = render_template(
                "registrations/received.html", opportunity=opportunity, address=normalize_email(form.email.data)
            )
            return _private(Response(page, status=200))
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "registrations/register.html", opportunity=opportunity, form=form, full=_is_full(opportunity)
    )
    return page, status


def _is_full(opportunity: LearningOpportunity) -> bool:
    """Every seat taken: the form is the waitlist's ("Join the waitlist")."""
    if opportunity.capacity is None:
        return False
    counts = registration_counts([opportunity.id]).get(opportunity.id)
    return counts is not None and counts.confirmed >= opportunity.capacity


# --- ticket ----------------------------------------------------------------------------------------


def _registration_by_ticket(token: str) -> Registration:
    reg = db.session.scalar(
        select(Registration)
        .where(Registration.ticket == token)
        .options(
            selectinload(Registration.opportunity).selectinload(LearningOpportunity.sessions),
            selectinload(Registration.person),
        )
    )
    if reg is None:
        raise NotFound(_("This ticket does not exist. Check the link in your e-mail."))
    return reg


@bp.get("/t/<token>")
@access_rule("ticket")
def ticket(token: str):
    reg = _registration_by_ticket(token)
    url = ticket_url(reg.ticket)
    page = render_template(
        "registrations/ticket.html", reg=reg, opportunity=reg.opportunity, qr=qr_svg(url), url=url, now=utcnow()
    )
    return _private(Response(page))


@bp.get("/t/<token>/qr.png")
@access_rule("ticket")
def ticket_qr(token: str):
    reg = _registration_by_ticket(token)
    return _private(Response(qr_png(ticket_url(reg.ticket)), mimetype="image/png"))


@bp.get("/t/<token>.ics")
@access_rule("ticket")
def ticket_ics(token: str):
    reg = _registration_by_ticket(token)
    response = Response(opportunity_ics(reg.opportunity), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="opportunity-{reg.opportunity_id}.ics"'
    return _private(response)


@bp.route("/t/<token>/cancel", methods=["GET", "POST"])
@access_rule("ticket")
def ticket_cancel(token: str):
    reg = _registration_by_ticket(token)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        if reg.status != "cancelled":
            services.cancel(reg)
            commit(db.session)
            flash(_("Your registration is cancelled."), "success")
        return redirect(url_for("registrations.ticket", token=token), code=303)
    page = render_template("registrations/cancel_confirm.html", reg=reg, opportunity=reg.opportunity, form=form)
    return _private(Response(page, status=200 if request.method == "GET" else 400))


# --- a person's own registrations ------------------------------------------------------------------


@bp.route("/me", methods=["GET", "POST"])
@limiter.limit(manage_link_limit, methods=["POST"])
@access_rule("public")
def manage_request():
    request.max_content_length = FORM_BODY_LIMIT
    form = ManageLinkForm()
    if form.validate_on_submit():
        request_manage_link(form.email.data)
        commit(db.session)
        # The same words whether or not the address is known.
        return render_template("registrations/manage_sent.html"), 200
    status = 422 if request.method == "POST" else 200
    return render_template("registrations/manage_request.html", form=form), status


@bp.get("/me/<token>")
@access_rule("signed-link")
def manage(token: str):
    try:
        data = read_token("manage", token)
        person = db.session.get(Person, int(data["p"]))
    except LinkInvalid as err:
        reason = "expired" if err.expired else "broken"
        page = render_template("registrations/link_invalid.html", reason=reason, link="manage", form=ManageLinkForm())
        return _private(Response(page, status=410 if err.expired else 404))
    except (KeyError, TypeError, ValueError):
        person = None
    person = survivor(person)
    if person is None or person.erased_at is not None:  # after an erasure an old link lists nothing
        page = render_template("registrations/link_invalid.html", reason="broken", link="manage", form=ManageLinkForm())
        return _private(Response(page, status=404))
    return render_registrations(person, token)


def render_registrations(person: Person, token: str | None = None) -> Response:
    """A person's list of registrations, upcoming then past (from a manage link or a used sign-in link). Its
    certificate and transcript links are signed with `token`, or a new manage token for the person."""
    token = token or make_token("manage", {"p": person.id})
    now = utcnow()
    upcoming: list[Registration] = []
    past: list[Registration] = []
    for reg in person_registrations(person):
        sessions = reg.opportunity.sessions
        (past if sessions and max(s.ends_at for s in sessions) <= now else upcoming).append(reg)
    upcoming.sort(key=lambda r: min((s.starts_at for s in r.opportunity.sessions if s.ends_at > now), default=now))
    attended = {reg.opportunity_id: certificate_data(person.id, reg.opportunity_id) for reg in past}
    page = render_template(
        "registrations/manage_list.html",
        person=person,
        token=token,
        upcoming=upcoming,
        past=past,
        attended={k: v for k, v in attended.items() if v},
        school_years=[(year, school_year_label(year)) for year in _school_years(past, now)],
        now=now,
    )
    return _private(Response(page))


def _school_years(past: list[Registration], now) -> list[int]:
    """The school years (by the calendar year of their July 1) of the past registrations, and the current one,
    newest first: each links to its transcript."""
    years = {_school_year_of(to_local(now))}
    for reg in past:
        years.update(_school_year_of(to_local(s.starts_at)) for s in reg.opportunity.sessions)
    return sorted(years, reverse=True)


def _school_year_of(moment) -> int:
    return moment.year if moment.month >= 7 else moment.year - 1
