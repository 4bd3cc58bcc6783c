"""API routes for attendance (API.md); filled in by the attendance work."""
