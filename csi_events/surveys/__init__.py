"""Feedback surveys: what participants thought of each session, and across the year (docs/security.md,
"Surveys", says how anonymous answers are kept apart from people)."""
