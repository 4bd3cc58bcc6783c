"""The check-in services, one import for views, the API and other packages. Services flush; callers commit.

Each responsibility lives in its own module:
- scan: the check_in decision (every way in: scanner, search, walk-ins, API, offline sync, imports), nonce replay,
  overrides, the caller's right to check in and the session's counts (the hot path);
- undo: taking a check-in back;
- walkin: registering and checking in someone who arrives unregistered;
- roster: the session's roster, its search, and the sessions a user may check people in for;
- self_checkin: virtual sessions' self check-in codes and "I'm here" links.
"""

from __future__ import annotations

from .roster import roster_rows, search_roster, sessions_for_user
from .scan import (
    MAX_OFFLINE_AGE,
    STATUSES,
    CheckInResult,
    SessionRef,
    check_in,
    checkin_window_open,
    may_check_in,
    parse_ticket,
    scan,
    session_counts,
    session_for_scan,
    status_message,
)
from .self_checkin import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ensure_self_checkin_code,
    here_url,
    normalize_code,
    self_check_in_with_code,
    self_check_in_with_link,
)
from .undo import undo
from .walkin import WalkInResult, walk_in

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_OFFLINE_AGE",
    "STATUSES",
    "CheckInResult",
    "SessionRef",
    "WalkInResult",
    "check_in",
    "checkin_window_open",
    "ensure_self_checkin_code",
    "here_url",
    "may_check_in",
    "normalize_code",
    "parse_ticket",
    "roster_rows",
    "scan",
    "search_roster",
    "self_check_in_with_code",
    "self_check_in_with_link",
    "session_counts",
    "session_for_scan",
    "sessions_for_user",
    "status_message",
    "undo",
    "walk_in",
]
