"""API routes for registrations (API.md); filled in by the registrations work."""
