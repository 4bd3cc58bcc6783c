"""Pages for opportunities: the public catalog and staff management."""

from flask import Blueprint

from ..auth.access import staff_required

bp = Blueprint("opportunities", __name__)


@bp.get("/opportunities")
def catalog():
    return "catalog (to be built)"


@bp.get("/staff/opportunities")
@staff_required
def staff_list():
    return "staff list (to be built)"
