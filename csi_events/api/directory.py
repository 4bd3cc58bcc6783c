"""API routes for directory (API.md); filled in by the directory work."""
