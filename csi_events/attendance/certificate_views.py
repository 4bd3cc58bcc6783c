"""Certificate pages: the public verification page, and staff's list of issued certificates and revocation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.access import access_rule, staff_required
from ..db import commit
from ..errors import DomainError, NotFound
from ..extensions import db
from ..opportunities.models import LearningOpportunity
from .forms import RevokeCertificateForm
from .models import Certificate
from .services import certificates_of_opportunity, find_by_number, revoke_certificate
from .views import bp


def _page(certificate: Certificate | None, number: str, status: int) -> tuple[str, int]:
    return render_template("attendance/verify.html", certificate=certificate, number=number, status=status), status


@access_rule("public")
def verify_certificate(number: str):
    """Only what the paper shows: number, name, opportunity, hours, issue date, valid or revoked. An erased
    holder's certificate names nobody (410); an unknown number is a 404 with a clear message."""
    certificate = find_by_number(number)
    if certificate is None:
        return _page(None, number[:40], 404)
    if certificate.erased:
        return _page(certificate, certificate.number, 410)
    return _page(certificate, certificate.number, 200)


bp.add_url_rule("/verify/<number>", view_func=verify_certificate)


@bp.get("/staff/opportunities/<int:opportunity_id>/certificates")
@staff_required
def opportunity_certificates(opportunity_id: int):
    opportunity = db.session.get(LearningOpportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(_("No such learning opportunity."))
    return render_template(
        "attendance/opportunity_certificates.html",
        opportunity=opportunity,
        issued=certificates_of_opportunity(opportunity.id),
        revoke_form=RevokeCertificateForm(formdata=None, data={"back": "opportunity"}),
    )


def _back(certificate: Certificate, back: str | None) -> Response:
    if back == "opportunity":
        return redirect(url_for("attendance.opportunity_certificates", opportunity_id=certificate.opportunity_id))
    return redirect(url_for("people.person_page", person_id=certificate.person_id))


@bp.post("/staff/certificates/<int:certificate_id>/revoke")
@staff_required
def revoke(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound(_("No such certificate."))
    form = RevokeCertificateForm()
    if not form.validate_on_submit():
        return _revoke_page(certificate, form, 422)
    try:
        revoke_certificate(certificate, by=current_user, reason=form.reason.data or "")
    except DomainError as err:
        db.session.rollback()
        return _revoke_page(certificate, form, err.status, err.message)
    commit(db.session)
    flash(_("Certificate %(number)s is revoked.", number=certificate.number), "success")
    return _back(certificate, form.back.data)


def _revoke_page(certificate: Certificate, form: RevokeCertificateForm, status: int, error: str | None = None):
    """The form again with what was wrong (a reason missing or too long, or revoked already)."""
    back = form.back.data if form.back.data in ("person", "opportunity") else "person"
    form.back.data = back
    return render_template("attendance/revoke.html", certificate=certificate, form=form, error=error, back=back), status
