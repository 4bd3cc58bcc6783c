"""Public pages: the opportunities catalog and an opportunity's detail, each also as an .ics calendar."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import access_rule, can_manage_opportunity
from ..db import utcnow
from ..errors import NotFound
from ..paging import page_number
from ..registrations.services import registration_closed_reason
from .calendar import calendar_ics, opportunity_ics
from .calendar_links import CalendarEvent, google_url, map_url, outlook_url
from .forms import CatalogFilterForm
from .models import LearningOpportunity
from .queries import CatalogFilters, catalog_all, catalog_page, load_opportunity, registration_counts, tags_in_use
from .validation import normalize_topic
from .views import bp


def _catalog_filters(form: CatalogFilterForm) -> CatalogFilters:
    """The filters of a validated form; a field with an error is left out (and its message shown)."""
    form.validate()

    def ok(name):
        field = getattr(form, name)
        return None if field.errors else (field.data or None)

    subregion = ok("subregion")
    return CatalogFilters(
        subregion=subregion if subregion in (None, "countywide") else int(subregion),
        modality=ok("modality"),
        kind=ok("kind"),
        topic=normalize_topic(ok("topic")) if ok("topic") else None,
        q=(ok("q") or "")[:200] or None,
        date_from=ok("date_from"),
        date_to=ok("date_to"),
        when="past" if form.past.data else "upcoming",
    )


@bp.get("/opportunities")
@access_rule("public")
def catalog():
    form = CatalogFilterForm(request.args, tags=tags_in_use())
    filters = _catalog_filters(form)
    per_page = int(current_app.config.get("CATALOG_PER_PAGE", 20))
    result = catalog_page(filters, page_number(), per_page)
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("opportunities/catalog.html", form=form, result=result, args=args, filters=filters)


@bp.get("/opportunities.ics")
@access_rule("public")
def catalog_ics():
    form = CatalogFilterForm(request.args, tags=())
    filters = _catalog_filters(form)
    name = _("Community Schools learning opportunities")
    body = calendar_ics(catalog_all(filters), include_links=False, name=name)
    return _ics_response(body, "csi-opportunities.ics")


def _visible_opportunity(opportunity_id: int) -> LearningOpportunity:
    """Published, cancelled and archived ones are public; a draft only for those who manage it."""
    opp = load_opportunity(opportunity_id)
    if opp is None or (opp.status == "draft" and not can_manage_opportunity(current_user, opp)):
        raise NotFound(_("There is no learning opportunity at this address."))
    return opp


@bp.get("/opportunities/<int:opportunity_id>")
@access_rule("public")
def detail(opportunity_id: int):
    opp = _visible_opportunity(opportunity_id)
    counts = registration_counts([opp.id]).get(opp.id)
    now = utcnow()
    closed_reason = registration_closed_reason(opp, now)
    manager = can_manage_opportunity(current_user, opp)
    upcoming = [s for s in opp.sessions if s.ends_at > now]
    next_session = upcoming[0] if upcoming else (opp.sessions[-1] if opp.sessions else None)
    return render_template(
        "opportunities/detail.html",
        opp=opp,
        confirmed=counts.confirmed if counts else 0,
        waitlisted=counts.waitlisted if counts else 0,
        closed_reason=closed_reason,
        register_url=url_for("registrations.register", opportunity_id=opp.id),
        manager=manager,
        now=now,
        next_session=next_session,
        calendar=_calendar_links(opp, next_session),
        map_url=map_url,
    )


def _calendar_links(opp: LearningOpportunity, session) -> dict[str, str]:
    """Google and Outlook links for the next session (the .ics file holds them all)."""
    if session is None:
        return {}
    number = opp.sessions.index(session) + 1
    title = opp.title if len(opp.sessions) == 1 else f"{opp.title} ({number}/{len(opp.sessions)})"
    page = url_for("opportunities.detail", opportunity_id=opp.id, _external=True)
    event = CalendarEvent(
        title=title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=session.venue or _("Online"),
        details=f"{opp.summary}\n\n{page}".strip(),
    )
    return {"google": google_url(event), "outlook": outlook_url(event)}


@bp.get("/opportunities/<int:opportunity_id>.ics")
@access_rule("public")
def detail_ics(opportunity_id: int):
    opp = _visible_opportunity(opportunity_id)
    return _ics_response(opportunity_ics(opp, include_links=False), f"opportunity-{opp.id}.ics")


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
