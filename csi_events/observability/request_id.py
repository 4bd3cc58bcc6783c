"""One id per request: the proxy's X-Request-ID when it is a plausible id, else a new one. It is sent back in the
X-Request-ID header, shown on error pages ("Reference: ...") and in API error bodies, and written on every log
line of the request, so a person quoting it leads to the exact log lines."""

from __future__ import annotations

import re
import uuid

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
# What a proxy sends (nginx's $request_id: 32 hex digits; UUIDs; other tracers' ids): 8 to 128 letters, digits,
# dots, dashes and underscores. Anything else (too long, spaces, markup, line breaks) is replaced, never logged.
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
_G_KEY = "request_id"


def assign_request_id() -> str:
    incoming = request.headers.get(HEADER, "")
    value = incoming if VALID.fullmatch(incoming) else uuid.uuid4().hex
    setattr(g, _G_KEY, value)
    return value


def current_request_id() -> str | None:
    """This request's id (made now if no hook made it yet, e.g. a request refused before the hooks ran);
    None outside a request."""
    if not has_request_context():
        return None
    value = g.get(_G_KEY)
    return value if value is not None else assign_request_id()
