"""Who may open what: decorators for pages, and the facilitator-of-opportunity rule."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

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


View = TypeVar("View", bound=Callable[..., Any])

# The attribute naming who may open a route; the route × role matrix (tests/test_security_matrix.py) reads it
# from every view and fails for a route without one.
ACCESS_RULE = "access_rule"


def access_rule(rule: str) -> Callable[[View], View]:
    """Name who may open a route that no role check guards: "public", "ticket" (the ticket token is the
    capability) or "signed-link". Put it right above the `def` (wrappers made with functools.wraps keep it)."""

    def mark(view: View) -> View:
        setattr(view, ACCESS_RULE, rule)
        return view

    return mark


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                raise Forbidden(_("Your account may not open this page."))
            return view(*args, **kwargs)

        return access_rule("roles:" + ",".join(roles))(wrapped)

    return decorator


staff_required = roles_required("staff", "admin")
admin_required = roles_required("admin")
signed_in_required = roles_required("staff", "admin", "facilitator")
