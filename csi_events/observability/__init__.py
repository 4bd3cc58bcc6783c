"""Watching the app in production: Prometheus metrics (/metrics), the request id and JSON logs."""
