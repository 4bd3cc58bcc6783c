"""Who may open what: decorators for pages, and the facilitator-of-opportunity rule."""

from __future__ import annotations

from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select

from ..errors import Forbidden
from ..extensions import db, login_manager
from ..opportunities.models import opportunity_facilitators


def can_manage_opportunity(user, opportunity) -> bool:
    """Staff and admins manage any opportunity; a facilitator only the ones they facilitate. The one rule for
    managing an opportunity and checking people in for its sessions."""
    return can_manage_opportunity_id(user, opportunity.id)


_FACILITATES = select(opportunity_facilitators.c.user_id).where(
    opportunity_facilitators.c.opportunity_id == bindparam("opportunity_id"),
    opportunity_facilitators.c.user_id == bindparam("user_id"),
)


def can_manage_opportunity_id(user, opportunity_id: int) -> bool:
    """can_manage_opportunity for an opportunity known by its id (a facilitator: one small query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    params = {"opportunity_id": opportunity_id, "user_id": user.id}
    return db.session.execute(_FACILITATES, params).first() is not None


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                raise Forbidden(_("Your account may not open this page."))
            return view(*args, **kwargs)

        wrapped.access_rule = "roles:" + ",".join(roles)
        return wrapped

    return decorator


staff_required = roles_required("staff", "admin")
admin_required = roles_required("admin")
signed_in_required = roles_required("staff", "admin", "facilitator")
