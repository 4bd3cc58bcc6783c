"""Survey pages, all on one blueprint `bp` (create_app registers it from here): the participant's pages
(public_views.py), staff setup and question bank (staff_views.py), results and exports (results_views.py).
Importing them registers their routes; importing sending registers the invitation e-mail's outbox handler."""

from __future__ import annotations

from . import checkin_qr, public_views, results_views, sending, staff_views  # noqa: F401  (registers routes)
from .blueprint import bp

__all__ = ["bp"]
