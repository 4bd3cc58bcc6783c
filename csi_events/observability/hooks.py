"""What happens around every request for watching the app: its id, its latency and status in the metrics,
and (LOG_REQUESTS, on with JSON logs) one access-log line."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, current_app, g, request

from .logs import configure_logging
from .metrics import observe_request
from .request_id import HEADER, assign_request_id, current_request_id

log = logging.getLogger("csi_events.requests")

_STARTED = "request_started"


def start_request() -> None:
    setattr(g, _STARTED, time.perf_counter())
    assign_request_id()


def finish_request(response: Response) -> Response:
    started = g.get(_STARTED)
    seconds = time.perf_counter() - started if started is not None else 0.0
    observe_request(request.endpoint, request.method, response.status_code, seconds)
    response.headers[HEADER] = current_request_id() or ""
    if current_app.config.get("LOG_REQUESTS"):
        log.info(
            "%s %s %s",
            request.method,
            request.path if request.endpoint is None else request.endpoint,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": round(seconds * 1000, 2)},
        )
    return response


def init_observability(app: Flask) -> None:
    """Logging as LOG_FORMAT says; the request hooks, first of all before_request hooks so that the id exists
    even when a later hook refuses the request; `request_id()` for templates (the error page's reference)."""
    configure_logging(app.config.get("LOG_FORMAT", "text"))
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
    app.jinja_env.globals["request_id"] = current_request_id
