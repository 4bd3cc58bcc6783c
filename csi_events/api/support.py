"""API routes for support (API.md); filled in by the support work."""
