"""The app's Prometheus metrics, counted in this process.

Under gunicorn every worker counts on its own; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it before
any worker starts) prometheus_client keeps each worker's values in files there, and a scrape of any worker adds
them up (views.py). The figures that live in the database (the outbox, the report rollup) are read at scrape time
instead (database_gauges.py).

Check-ins and sign-ups are counted where their outcome is known (the check-in and registration services), but only
once the transaction that stores them commits: a rolled-back scan or sign-up never counts.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

# Request latency per Flask endpoint ("unmatched" for a URL no route has): never the raw path, whose ids and
# tokens would make a series per ticket.
REQUEST_SECONDS = Histogram(
    "csi_events_request_duration_seconds",
    "Time from the start of a request to its response, by Flask endpoint and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter(
    "csi_events_requests",
    "Requests answered, by Flask endpoint, method and status code class (2xx, 3xx, 4xx, 5xx).",
    ["endpoint", "method", "status"],
)
CHECKINS = Counter(
    "csi_events_checkins",
    "Check-in scans answered, by status (ok, already_checked_in, invalid, ...; replayed: a nonce's answer again).",
    ["status"],
)
SIGNUPS = Counter(
    "csi_events_signups",
    "Sign-ups, by outcome (confirmed, waitlisted, already_registered, closed).",
    ["status"],
)
OUTBOX_SEND_FAILURES = Counter(
    "csi_events_outbox_send_failures",
    "Outbox messages whose handler failed in this process (each is left for a retry).",
    ["kind"],
)

_PENDING = "metrics_counted_at_commit"
UNMATCHED = "unmatched"
# Any other method a client invents is counted as "other": one series each would be the client's choice.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_at_commit(session: Session | scoped_session[Any], counter: Counter, status: str) -> None:
    """Add one to `counter` (label status) when this session's transaction commits; nothing if it rolls back."""
    session.info.setdefault(_PENDING, []).append((counter, status))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for counter, status in session.info.pop(_PENDING, ()):
        counter.labels(status=status).inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def observe_request(endpoint: str | None, method: str, status_code: int, seconds: float) -> None:
    name = endpoint or UNMATCHED
    verb = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(endpoint=name, method=verb).observe(seconds)
    REQUESTS.labels(endpoint=name, method=verb, status=f"{status_code // 100}xx").inc()
