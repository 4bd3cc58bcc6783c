"""Pages for registrations: the public sign-up, the ticket, a person's own list, and the staff roster."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..auth.access import can_manage_opportunity, signed_in_required
from ..db import commit, utcnow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..exports import csv_response
from ..extensions import db, limiter
from ..labels import label
from ..links import LinkInvalid, read_token
from ..opportunities.calendar import opportunity_ics
from ..opportunities.models import LearningOpportunity
from ..people.models import Person
from . import services
from .forms import ActionForm, ManageLinkForm, RegistrationForm
from .models import Registration
from .qr import qr_png, qr_svg, ticket_url

bp = Blueprint("registrations", __name__)

# Per client (remote address), shared by the sign-up form and the public API. Schools often share one
# address behind NAT, so the per-minute figure leaves room for a room full of colleagues.
DEFAULT_REGISTRATION_LIMIT = "20 per minute;200 per hour"
DEFAULT_MANAGE_LINK_LIMIT = "5 per minute;30 per hour"

# A filled-in form is a few kilobytes (needs: 2,000 characters); anything far larger is refused with 413
# before it is parsed.
FORM_BODY_LIMIT = 64 * 1024

# Field names of the service's errors -> fields of the form.
FORM_FIELDS = {"lea_cd_code": "lea", "school_cds_code": "school"}


def registration_limit() -> str:
    return current_app.config.get("REGISTRATION_RATE_LIMIT", DEFAULT_REGISTRATION_LIMIT)


def manage_link_limit() -> str:
    return current_app.config.get("MANAGE_LINK_RATE_LIMIT", DEFAULT_MANAGE_LINK_LIMIT)


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


def _language() -> str:
    locale = str(get_locale() or "en")
    return locale if locale in current_app.config.get("LANGUAGES", ["en"]) else "en"


def input_from_form(form: RegistrationForm) -> services.RegistrationInput:
    """Resolve the directory choices typed or picked in the form; raises ValidationFailed per field."""
    lea = services.lookup_lea(form.lea.data)
    school = services.lookup_school(form.school.data, lea)
    return services.RegistrationInput(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        role=form.role.data,
        lea_cd_code=lea.cd_code if lea else None,
        school_cds_code=school.cds_code if school else None,
        organization=form.organization.data if form.not_listed.data else None,
        needs=form.needs.data,
        preferred_language=_language(),
    )


def _apply_field_errors(form, err: ValidationFailed) -> None:
    placed = False
    for name, messages in err.fields.items():
        field = getattr(form, FORM_FIELDS.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, *messages]
            placed = True
    if not placed:
        form.form_errors.append(err.message)


# --- public sign-up --------------------------------------------------------------------------------


@bp.route("/opportunities/<int:opportunity_id>/register", methods=["GET", "POST"])
@limiter.shared_limit(registration_limit, scope="registration", methods=["POST"])
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
            outcome = services.register(opportunity, input_from_form(form), source="online")
        except ValidationFailed as err:
            db.session.rollback()
            _apply_field_errors(form, err)
        except Conflict as err:
            db.session.rollback()
            return render_template("registrations/closed.html", opportunity=opportunity, reason=err.message), 409
        else:
            commit(db.session)
            if not outcome.created:
                # Never show the ticket or say whether this address was registered: the confirmation was
                # re-sent to the address itself, which is the only place that learns the answer.
                return _private(
                    Response(render_template("registrations/resent.html", opportunity=opportunity), status=200)
                )
            reg = outcome.registration
            if reg.status == "confirmed":
                flash(_("You are registered. Your ticket is below; we have e-mailed it to you too."), "success")
            else:
                flash(
                    _(
                        "The event is full, so you are on the waitlist at position %(n)d. We will e-mail you "
                        "if a seat opens.",
                        n=reg.waitlist_position,
                    ),
                    "success",
                )
            return redirect(url_for("registrations.ticket", token=reg.ticket), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("registrations/register.html", opportunity=opportunity, form=form), status


register.access_rule = "public"


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
def ticket(token: str):
    reg = _registration_by_ticket(token)
    url = ticket_url(reg.ticket)
    page = render_template("registrations/ticket.html", reg=reg, opportunity=reg.opportunity, qr=qr_svg(url), url=url)
    return _private(Response(page))


@bp.get("/t/<token>/qr.png")
def ticket_qr(token: str):
    reg = _registration_by_ticket(token)
    return _private(Response(qr_png(ticket_url(reg.ticket)), mimetype="image/png"))


@bp.get("/t/<token>.ics")
def ticket_ics(token: str):
    reg = _registration_by_ticket(token)
    response = Response(opportunity_ics(reg.opportunity), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="opportunity-{reg.opportunity_id}.ics"'
    return _private(response)


@bp.route("/t/<token>/cancel", methods=["GET", "POST"])
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


for _view in (ticket, ticket_qr, ticket_ics, ticket_cancel):
    _view.access_rule = "ticket"


# --- a person's own registrations ------------------------------------------------------------------


@bp.route("/me", methods=["GET", "POST"])
@limiter.limit(manage_link_limit, methods=["POST"])
def manage_request():
    request.max_content_length = FORM_BODY_LIMIT
    form = ManageLinkForm()
    if form.validate_on_submit():
        services.request_manage_link(form.email.data)
        commit(db.session)
        # The same words whether or not the address is known.
        return render_template("registrations/manage_sent.html"), 200
    status = 422 if request.method == "POST" else 200
    return render_template("registrations/manage_request.html", form=form), status


manage_request.access_rule = "public"


@bp.get("/me/<token>")
def manage(token: str):
    try:
        data = read_token("manage", token)
        person = db.session.get(Person, int(data["p"]))
    except LinkInvalid as err:
        page = render_template("registrations/link_invalid.html", expired=err.expired, form=ManageLinkForm())
        return _private(Response(page, status=410 if err.expired else 404))
    except (KeyError, TypeError, ValueError):
        person = None
    if person is not None and person.merged_into_id is not None:
        person = db.session.get(Person, person.merged_into_id)
    if person is None:
        page = render_template("registrations/link_invalid.html", expired=False, form=ManageLinkForm())
        return _private(Response(page, status=404))
    now = utcnow()
    upcoming, past = [], []
    for reg in services.person_registrations(person):
        sessions = reg.opportunity.sessions
        (past if sessions and max(s.ends_at for s in sessions) <= now else upcoming).append(reg)
    upcoming.sort(key=lambda r: min((s.starts_at for s in r.opportunity.sessions), default=now))
    page = render_template("registrations/manage_list.html", person=person, upcoming=upcoming, past=past)
    return _private(Response(page))


manage.access_rule = "signed-link"


# --- staff roster ----------------------------------------------------------------------------------


def _managed_opportunity(opportunity_id: int) -> LearningOpportunity:
    opportunity = db.session.scalar(
        select(LearningOpportunity)
        .where(LearningOpportunity.id == opportunity_id)
        .options(selectinload(LearningOpportunity.facilitators), selectinload(LearningOpportunity.sessions))
    )
    if opportunity is None:
        raise NotFound(_("There is no such learning opportunity."))
    if not can_manage_opportunity(current_user, opportunity):
        raise Forbidden(_("Only staff and this opportunity's facilitators may see its roster."))
    return opportunity


def _managed_registration(registration_id: int) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("There is no such registration."))
    _managed_opportunity(reg.opportunity_id)
    return reg


def _roster_page(opportunity: LearningOpportunity, form: RegistrationForm, status: int = 200):
    groups = services.roster(opportunity)
    page = render_template(
        "registrations/roster.html",
        opportunity=opportunity,
        groups=groups,
        form=form,
        action_form=ActionForm(),
    )
    return Response(page, status=status)


@bp.get("/staff/opportunities/<int:opportunity_id>/roster")
@signed_in_required
def roster(opportunity_id: int):
    opportunity = _managed_opportunity(opportunity_id)
    return _roster_page(opportunity, RegistrationForm(prefix="add"))


@bp.post("/staff/opportunities/<int:opportunity_id>/roster/add")
@signed_in_required
def roster_add(opportunity_id: int):
    request.max_content_length = FORM_BODY_LIMIT
    opportunity = _managed_opportunity(opportunity_id)
    form = RegistrationForm(prefix="add")
    if form.validate_on_submit():
        try:
            outcome = services.register(opportunity, input_from_form(form), source="staff", enforce_window=False)
        except ValidationFailed as err:
            db.session.rollback()
            _apply_field_errors(form, err)
        except Conflict as err:
            db.session.rollback()
            form.form_errors.append(err.message)
        else:
            reg = outcome.registration
            record(
                "registration_added_by_staff",
                actor=current_user,
                target=reg,
                opportunity_id=opportunity.id,
                created=outcome.created,
                status=reg.status,
            )
            commit(db.session)
            name = reg.person.name
            if not outcome.created:
                flash(_("%(name)s was already registered (%(s)s).", name=name, s=label(reg.status)), "info")
            elif reg.status == "confirmed":
                flash(_("%(name)s is registered and confirmed.", name=name), "success")
            else:
                flash(_("%(name)s is on the waitlist at position %(n)d.", name=name, n=reg.waitlist_position), "info")
            return redirect(url_for("registrations.roster", opportunity_id=opportunity.id), code=303)
    return _roster_page(opportunity, form, status=422)


@bp.post("/staff/registrations/<int:registration_id>/cancel")
@signed_in_required
def roster_cancel(registration_id: int):
    reg = _managed_registration(registration_id)
    if ActionForm().validate_on_submit() and reg.status != "cancelled":
        promoted = services.cancel(reg)
        record(
            "registration_cancelled_by_staff",
            actor=current_user,
            target=reg,
            opportunity_id=reg.opportunity_id,
            promoted=[r.id for r in promoted],
        )
        commit(db.session)
        flash(_("%(name)s's registration is cancelled.", name=reg.person.name), "success")
        for other in promoted:
            flash(_("%(name)s moved up from the waitlist and is confirmed.", name=other.person.name), "info")
    return redirect(url_for("registrations.roster", opportunity_id=reg.opportunity_id), code=303)


@bp.post("/staff/registrations/<int:registration_id>/confirm")
@signed_in_required
def roster_confirm(registration_id: int):
    reg = _managed_registration(registration_id)
    if ActionForm().validate_on_submit():
        try:
            services.confirm_from_waitlist(reg, actor=current_user)
        except Conflict as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            commit(db.session)
            flash(_("%(name)s is confirmed.", name=reg.person.name), "success")
    return redirect(url_for("registrations.roster", opportunity_id=reg.opportunity_id), code=303)


@bp.get("/staff/opportunities/<int:opportunity_id>/roster.csv")
@signed_in_required
def roster_csv(opportunity_id: int):
    opportunity = _managed_opportunity(opportunity_id)
    groups = services.roster(opportunity)
    rows = []
    for status in ("confirmed", "waitlisted", "cancelled"):
        for reg in groups.get(status, []):
            person = reg.person
            rows.append(
                [
                    reg.id,
                    label(reg.status),
                    reg.waitlist_position,
                    person.first_name,
                    person.last_name,
                    person.email,
                    label(person.role),
                    person.lea.name if person.lea else "",
                    person.lea.cd_code if person.lea else "",
                    person.school.name if person.school else "",
                    person.school.cds_code if person.school else "",
                    person.organization or "",
                    reg.needs or "",
                    reg.source,
                    reg.created_at.isoformat(),
                ]
            )
    record("roster_exported", actor=current_user, target=opportunity, rows=len(rows))
    commit(db.session)
    header = [
        _("Registration"),
        _("Status"),
        _("Waitlist position"),
        _("First name"),
        _("Last name"),
        _("E-mail"),
        _("Role"),
        _("LEA"),
        _("CD code"),
        _("School"),
        _("CDS code"),
        _("Organization"),
        _("Needs"),
        _("Source"),
        _("Registered at (UTC)"),
    ]
    return csv_response(f"roster-{opportunity.id}.csv", header, rows)
