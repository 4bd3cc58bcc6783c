"""Staff roster pages of an opportunity: the roster, adding a person, cancel, confirm from the waitlist,
and its CSV and XLSX export. Staff and the opportunity's facilitators only."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..auth.access import can_manage_opportunity, signed_in_required
from ..db import commit
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..exports import csv_response, xlsx_response
from ..extensions import db
from ..labels import label
from ..opportunities.models import LearningOpportunity
from . import services
from .forms import ActionForm, RegistrationForm
from .models import Registration
from .queries import roster as roster_groups
from .views import FORM_BODY_LIMIT, apply_field_errors, bp, input_from_form


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
    groups = roster_groups(opportunity)
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
            apply_field_errors(form, err)
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


SOURCE_LABELS = {
    "online": _l("Online"),
    "walk_in": _l("Walk-in"),
    "staff": _l("Added by staff"),
    "import": _l("Imported"),
}


def _roster_rows(groups) -> list[list]:
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
                    str(SOURCE_LABELS.get(reg.source, reg.source)),
                    reg.created_at,  # exports.py: local time; a date cell in XLSX
                ]
            )
    return rows


def _roster_export(opportunity_id: int, fmt: str):
    opportunity = _managed_opportunity(opportunity_id)
    rows = _roster_rows(roster_groups(opportunity))
    record("roster_exported", actor=current_user, target=opportunity, rows=len(rows), format=fmt)
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
        _("Registered at"),
    ]
    if fmt == "csv":
        return csv_response(f"roster-{opportunity.id}.csv", header, rows)
    return xlsx_response(f"roster-{opportunity.id}.xlsx", header, rows, title=_("Roster"))


@bp.get("/staff/opportunities/<int:opportunity_id>/roster.csv")
@signed_in_required
def roster_csv(opportunity_id: int):
    return _roster_export(opportunity_id, "csv")


@bp.get("/staff/opportunities/<int:opportunity_id>/roster.xlsx")
@signed_in_required
def roster_xlsx(opportunity_id: int):
    return _roster_export(opportunity_id, "xlsx")
