"""Backups of the embedded SQLite database: `flask --app app backup FILE` and `flask --app app restore FILE`.

PostgreSQL is backed up with its own tools (pg_dump / pg_restore); on it both commands refuse and print them.
"""
