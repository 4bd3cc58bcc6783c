"""GET /metrics: the Prometheus scrape, from this machine (loopback) or with a bearer token that has the
`metrics` scope (staff and admins may hold it). Anyone else gets 403."""

from __future__ import annotations

import ipaddress
import os

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from ..api.auth import identify_caller
from ..auth.access import access_rule
from ..errors import DomainError
from ..extensions import db, limiter
from .database_gauges import DatabaseGauges

bp = Blueprint("observability", __name__)

METRICS_SCOPE = "metrics"
# The route × role matrix (tests/test_security_matrix.py) knows this rule: loopback, or a token with the scope.
LOOPBACK_OR_TOKEN = f"loopback-or-token:{METRICS_SCOPE}"


def from_loopback(address: str | None) -> bool:
    """The client's address (after ProxyFix, so a proxied request carries its real client) is this machine."""
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def token_allows_metrics() -> bool:
    if not request.headers.get("Authorization"):
        return False
    try:
        caller = identify_caller()
    except DomainError:  # unknown, revoked or expired token, or a malformed header
        db.session.rollback()
        return False
    db.session.commit()  # the token's last use, when it was written
    return caller.via == "token" and caller.has(METRICS_SCOPE)


def scrape() -> bytes:
    """Every worker's counters (multiprocess files when PROMETHEUS_MULTIPROC_DIR is set, else this process's),
    then the database figures read now."""
    counted: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    database = CollectorRegistry()
    database.register(DatabaseGauges())
    return generate_latest(counted) + generate_latest(database)


@bp.get("/metrics")
@limiter.exempt
@access_rule(LOOPBACK_OR_TOKEN)
def metrics():
    if not (from_loopback(request.remote_addr) or token_allows_metrics()):
        message = _("Metrics are served to this machine or to a token with the metrics scope.")
        return Response(message + "\n", status=403, mimetype="text/plain")
    return Response(scrape(), mimetype=CONTENT_TYPE_LATEST)
