"""API routes for opportunities (API.md); filled in by the opportunities work."""
