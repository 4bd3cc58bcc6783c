"""Staff pages for support activities: the filtered list and its CSV/XLSX export."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..api.pagination import paginate
from ..audit.services import record
from ..auth.access import staff_required
from ..db import commit
from ..directory.subregions import subregion_label
from ..exports import csv_response, xlsx_response
from ..extensions import db
from ..labels import choices, label
from ..opportunities.models import PILLARS
from ..paging import page_number
from .export_columns import export_header
from .forms import SupportFilterForm
from .models import SUPPORT_KINDS, SUPPORT_MODALITIES, SupportActivity
from .page_options import all_leas, staff_users
from .queries import SupportFilters, activities_stmt, activity_ids, figures_for, list_args
from .services import can_edit, hours_of, local_today
from .views import bp

PER_PAGE = 50


def _read_filters() -> tuple[SupportFilterForm, SupportFilters]:
    form = SupportFilterForm(formdata=request.args)
    form.subregion.choices = [("", _("All subregions"))] + [(n, subregion_label(n)) for n in range(1, 9)]
    form.lea.choices = [("", _("All LEAs"))] + [(lea.id, f"{lea.name} ({lea.cd_code})") for lea in all_leas()]
    form.kind.choices = [("", _("All kinds")), *choices(SUPPORT_KINDS)]
    form.modality.choices = [("", _("All modalities")), *choices(SUPPORT_MODALITIES)]
    form.staff.choices = [("", _("Anyone"))] + [(u.id, u.label) for u in staff_users()]
    form.validate()

    def ok(field):
        return None if field.errors or field.data in ("", None) else field.data

    filters = SupportFilters(
        date_from=ok(form.date_from),
        date_to=ok(form.date_to),
        subregion=ok(form.subregion),
        lea_id=ok(form.lea),
        kind=ok(form.kind),
        modality=ok(form.modality),
        staff_id=ok(form.staff),
    )
    return form, filters


@bp.get("")
@staff_required
def activity_list():
    form, filters = _read_filters()
    page = page_number()
    activities, total = paginate(activities_stmt(filters), page, PER_PAGE)
    figures = figures_for(filters)
    args = list_args(filters)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template(
        "support/list.html",
        form=form,
        activities=activities,
        total=total,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        figures=figures,
        args=args,
        can_edit=can_edit,
        hours_of=hours_of,
    )


def _export_rows(ids: list[int]):
    """Rows in chunks: each chunk loads its activities and what they show in a fixed number of queries."""
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = activities_stmt(SupportFilters()).where(SupportActivity.id.in_(chunk))
        for a in db.session.scalars(stmt):
            yield (  # the columns of export_columns.EXPORT_COLUMNS
                a.id,
                a.occurred_on,
                a.lea.cd_code,
                a.lea.name,
                subregion_label(a.lea.subregion),
                "; ".join(s.cds_code for s in a.schools),
                "; ".join(s.name for s in a.schools),
                label(a.kind),
                label(a.modality),
                a.duration_minutes,
                hours_of(a.duration_minutes),
                "; ".join(u.email for u in a.staff),
                "; ".join(p.email for p in a.contacts if p.email),
                "; ".join(p.name for p in a.contacts),
                "; ".join(label(t) if t in PILLARS else t for t in a.topics.split()),
                a.notes,
                a.created_by.email if a.created_by else "",
                a.created_at,
            )
        db.session.expire_all()


@bp.get("/export.<fmt>")
@staff_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, filters = _read_filters()
    ids = activity_ids(filters)
    record(
        "export",
        actor=current_user,
        what="support_activities",
        format=fmt,
        filters=list_args(filters),
        rows=len(ids),
    )
    commit(db.session)
    filename = f"support-activities-{local_today().isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, export_header(), _export_rows(ids))
    return xlsx_response(filename, export_header(), _export_rows(ids), title=_("Support activities"))
