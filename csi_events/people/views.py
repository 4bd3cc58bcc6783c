"""Staff pages for people: search, one person's history, certificates, duplicates and merges."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..attendance.certificates import certificate_pdf
from ..attendance.forms import RevokeCertificateForm
from ..attendance.services import certificates_of_person, issue_certificate
from ..attendance.transcripts import transcript_pdf
from ..auth.access import staff_required
from ..db import commit
from ..errors import DomainError, NotFound
from ..extensions import db
from ..paging import page_number
from ..reports import queries
from ..reports.filters import school_year_label
from .forms import MergeForm
from .models import Person
from .services import merge_people, plan_merge, suggest_duplicates

bp = Blueprint("people", __name__)
PER_PAGE = 50


def pdf_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def load_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id, options=[joinedload(Person.lea), joinedload(Person.school)])
    if person is None:
        raise NotFound(_("No such person."))
    return person


@bp.get("/staff/people")
@staff_required
def person_list():
    q = (request.args.get("q") or "").strip()
    page = page_number()
    stmt = (
        select(Person).options(joinedload(Person.lea), joinedload(Person.school)).where(Person.merged_into_id.is_(None))
    )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Person.email).like(like),
                func.lower(Person.first_name + " " + Person.last_name).like(like),
            )
        )
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    people = db.session.scalars(
        stmt.order_by(Person.last_name, Person.first_name, Person.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "people/list.html", people=people, q=q, page=page, total=total, pages=max(1, -(-total // PER_PAGE))
    )


@bp.get("/staff/people/<int:person_id>")
@staff_required
def person_page(person_id: int):
    person = load_person(person_id)
    if person.merged_into_id is not None:
        flash(_("This person was merged; this is the person they were merged into."), "success")
        return redirect(url_for("people.person_page", person_id=person.merged_into_id))
    history = queries.person_history(person.id)
    opportunities: dict[int, str] = {}
    for row in history.attendances:
        opportunities.setdefault(row.opportunity_id, row.opportunity)
    merged = db.session.scalars(select(Person).where(Person.merged_into_id == person.id).order_by(Person.id)).all()
    return render_template(
        "people/person.html",
        person=person,
        merged=merged,
        registrations=queries.person_registrations(person.id),
        history=history,
        certificates=opportunities,
        issued=certificates_of_person(person.id),
        revoke_form=RevokeCertificateForm(formdata=None, data={"back": "person"}),
        year_label=school_year_label,
    )


@bp.get("/staff/people/<int:person_id>/certificates/<int:opportunity_id>.pdf")
@staff_required
def certificate(person_id: int, opportunity_id: int):
    """Issued at the first download, as by the educator's own link; a revoked one opens watermarked REVOKED."""
    person = load_person(person_id)
    issued = issue_certificate(person, opportunity_id)
    if issued is None:
        raise NotFound(_("This person attended no session of that opportunity."))
    commit(db.session)
    return pdf_response(certificate_pdf(issued), f"certificate-{issued.number}.pdf")


@bp.get("/staff/people/<int:person_id>/transcript/<int:year>.pdf")
@staff_required
def transcript(person_id: int, year: int):
    if not 2000 <= year <= 2100:
        raise NotFound(_("No such school year."))
    person = load_person(person_id)
    return pdf_response(transcript_pdf(person, year), f"transcript-{school_year_label(year)}-{person.id}.pdf")


@bp.get("/staff/people/duplicates")
@staff_required
def duplicates():
    return render_template("people/duplicates.html", groups=suggest_duplicates())


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


@bp.get("/staff/people/merge")
@staff_required
def merge_preview():
    """What a merge would do; nothing changes until the form below is sent."""
    survivor_id, merged_id = _int_arg("survivor"), _int_arg("merged")
    plan = error = None
    if survivor_id and merged_id:
        try:
            plan = plan_merge(survivor_id, merged_id)
        except DomainError as err:
            error = err.message
    form = MergeForm(formdata=None, data={"survivor_id": survivor_id, "merged_id": merged_id})
    return render_template("people/merge.html", form=form, plan=plan, error=error), 200 if error is None else 409


@bp.post("/staff/people/merge")
@staff_required
def merge_confirm():
    form = MergeForm()
    if not form.validate_on_submit():
        return render_template("people/merge.html", form=form, plan=None, error=_("Choose two people to merge.")), 422
    try:
        plan = merge_people(form.survivor_id.data, form.merged_id.data, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        return render_template("people/merge.html", form=form, plan=None, error=err.message), err.status
    commit(db.session)
    flash(
        _("%(merged)s was merged into %(survivor)s.", merged=plan.merged.name, survivor=plan.survivor.name), "success"
    )
    return redirect(url_for("people.person_page", person_id=plan.survivor.id))
