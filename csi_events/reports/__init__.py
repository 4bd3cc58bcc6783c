"""Reports: one set of queries for pages, exports and the API."""

from . import cache  # noqa: F401  (registers the data-version session events)
