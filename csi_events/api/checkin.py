"""API routes for checkin (API.md); filled in by the checkin work."""
