"""Health probes for a proxy or orchestrator: /healthz (the process answers) and /readyz (it can serve).

Neither touches the session (no cookie is set), and neither is rate limited: a proxy probes every instance
every few seconds from one address.
"""

from flask import current_app, jsonify

from ..auth.access import access_rule
from ..extensions import limiter
from .readiness import readiness
from .views import bp


@bp.get("/healthz")
@limiter.exempt
@access_rule("public")
def healthz():
    """Liveness: the process runs and answers; no database or Redis round trip (that is /readyz)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@limiter.exempt
@access_rule("public")
def readyz():
    """Readiness: database reachable, Redis reachable when it holds the rate limits, migrations at head.
    200 {"status": "ready", "checks": {...}} or 503 {"status": "not ready", "failed": [...], "checks": {...}}."""
    answer = readiness(current_app._get_current_object())  # type: ignore[attr-defined]  # the app, not the proxy
    if answer.ready:
        return jsonify({"status": "ready", "checks": answer.checks})
    return jsonify({"status": "not ready", "failed": answer.failed, "checks": answer.checks}), 503
