"""Who may open what: decorators for pages, and the facilitator-of-opportunity rule."""

from __future__ import annotations

from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Forbidden
from ..extensions import login_manager


def can_manage_opportunity(user, opportunity) -> bool:
    """Staff and admins manage any opportunity; a facilitator only the ones they facilitate."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    return any(f.id == user.id for f in opportunity.facilitators)


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
