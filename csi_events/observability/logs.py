"""Log output: plain text (the default), or one JSON object per line with LOG_FORMAT=json, for a log collector.

Every JSON line has time, level, logger, message, and, inside a request, request_id, method and path (the request
line of the access log adds status and duration_ms). Ticket tokens and signed-link tokens in a path are hidden.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import has_request_context, request

from .request_id import current_request_id

LOG_FORMATS = ("text", "json")
_OWN_HANDLER = "csi_events_json_handler"
HIDDEN = "[hidden]"


def loggable_path() -> str:
    """The request's path with the values of URL parts that are credentials (tokens, tickets) hidden."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if ("token" in name or "ticket" in name) and isinstance(value, str) and value:
            path = path.replace(value, HIDDEN)
    return path


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        in_request = has_request_context()
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id() if in_request else None,
            "method": request.method if in_request else None,
            "path": loggable_path() if in_request else None,
            "status": getattr(record, "status", None),
            "duration_ms": getattr(record, "duration_ms", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str) -> None:
    """Text: logging.basicConfig at INFO, as before. JSON: one handler on the root logger writing JSON lines to
    standard error, in place of a plain one (set up again when called again, never doubled)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OWN_HANDLER, False)]:
        root.removeHandler(handler)
    if log_format != "json":
        logging.basicConfig(level=logging.INFO)
        return
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:  # basicConfig's plain one (test capture handlers are kept)
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    setattr(handler, _OWN_HANDLER, True)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
