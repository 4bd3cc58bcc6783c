"""Staff pages for support activities, all on one blueprint `bp` (create_app registers it from here).

The pages live by responsibility: list_views.py (filtered list, CSV/XLSX export), form_views.py (log, show,
edit, delete, the form's LEA options), import_views.py (CSV import). Importing them registers their routes.
"""

from __future__ import annotations

from . import form_views, import_views, list_views  # noqa: F401  (importing registers the routes on bp)
from .blueprint import bp

__all__ = ["bp"]
