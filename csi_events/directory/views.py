"""Pages for directory."""

from flask import Blueprint

bp = Blueprint("directory", __name__)


@bp.get("/staff/directory/leas")
def lea_list():
    return "directory (to be built)"
