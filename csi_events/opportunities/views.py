"""Pages for opportunities, all on the blueprint `bp` that create_app registers from here:
- catalog_views: the public catalog and detail pages (+ .ics);
- staff_views: staff management (list, create/edit, publish, cancel, archive).
Importing this module imports both, so every route is registered on `bp`.
"""

from __future__ import annotations

from . import catalog_views, staff_views
from .blueprint import bp

__all__ = ["bp", "catalog_views", "staff_views"]
