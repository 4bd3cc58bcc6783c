"""Pages for registrations, all on the blueprint `bp`: the public sign-up, the ticket and a person's own
list (public_views), and the staff roster (staff_views). Importing this module registers every route."""

from . import me_signin_views, public_views, staff_views
from .view_common import (
    DEFAULT_MANAGE_LINK_LIMIT,
    DEFAULT_REGISTRATION_LIMIT,
    FORM_BODY_LIMIT,
    bp,
    input_from_form,
    manage_link_limit,
    registration_limit,
)

__all__ = [
    "DEFAULT_MANAGE_LINK_LIMIT",
    "DEFAULT_REGISTRATION_LIMIT",
    "FORM_BODY_LIMIT",
    "bp",
    "input_from_form",
    "manage_link_limit",
    "me_signin_views",
    "public_views",
    "registration_limit",
    "staff_views",
]
