"""Who may open what: decorators for pages, and the facilitator-of-opportunity rule."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, Exists, bindparam, exists, false, select, true

from ..errors import Forbidden
from ..extensions import db, login_manager
from ..opportunities.models import opportunity_facilitators


def can_manage_opportunity(user, opportunity) -> bool:
    """Staff and admins manage any opportunity; a facilitator only the ones they facilitate. The one rule for
    managing an opportunity and checking people in for its sessions."""
    return can_manage_opportunity_id(user, opportunity.id)


def facilitates(user_id, opportunity_id) -> Exists:
    """SQL: this user facilitates this opportunity (for a statement that reads it along with other data)."""
    return exists().where(
        opportunity_facilitators.c.opportunity_id == opportunity_id, opportunity_facilitators.c.user_id == user_id
    )


_FACILITATES = select(facilitates(bindparam("user_id"), bindparam("opportunity_id")))


def can_manage_opportunity_id(user, opportunity_id: int) -> bool:
    """can_manage_opportunity for an opportunity known by its id (a facilitator: one small query)."""
    if not is_signed_in(user):
        return False
    return user.is_staff or bool(
        db.session.scalar(_FACILITATES, {"opportunity_id": opportunity_id, "user_id": user.id})
    )


def may_manage(user, user_facilitates: bool) -> bool:
    """The rule, when whether the user facilitates the opportunity was read already (with facilitates())."""
    return is_signed_in(user) and (user.is_staff or user_facilitates)


def managed_by(user, opportunity_id) -> ColumnElement[bool]:
    """SQL: the rule as a condition on a statement's opportunity column, for listing what a user may manage
    (staff: every row; a facilitator: the ones they facilitate; signed out: none)."""
    if not is_signed_in(user):
        return false()
    return true() if user.is_staff else facilitates(user.id, opportunity_id)


def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


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
