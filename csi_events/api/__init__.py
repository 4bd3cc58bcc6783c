"""The JSON API under /api/v1 (see docs/architecture.md). The blueprint is in views.py; routes live in
api/<feature>.py and are listed in create_app's ROUTE_MODULES."""
