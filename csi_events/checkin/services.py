"""The check-in services, one import for views, the API and other packages. Services flush; callers commit.

Each responsibility lives in its own module:
- scan: the check_in decision (every way in: scanner, search, walk-ins, API, offline sync, imports), overrides,
  the caller's right to check in and the session's counts; nonces: the answer kept for a scan's nonce;
- answers, status: what a scan answers (typed, and its JSON form), the statuses' words;
- undo: taking a check-in back;
- walkin: registering and checking in someone who arrives unregistered;
- roster: the session's roster, its search, and the sessions a user may check people in for;
- self_checkin: virtual sessions' self check-in codes and "I'm here" links.
"""

from __future__ import annotations

from .answers import Answer, CheckInResult, CheckInShown, Counts, PersonShown
from .roster import roster_rows, search_roster, sessions_for_user
from .scan import (
    MAX_OFFLINE_AGE,
    ScanOutcome,
    check_in,
    checkin_window_open,
    may_check_in,
    parse_ticket,
    scan,
    session_counts,
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
from .status import ScanStatus, page_words, status_message
from .undo import undo
from .walkin import WalkInResult, walk_in

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_OFFLINE_AGE",
    "Answer",
    "CheckInResult",
    "CheckInShown",
    "Counts",
    "PersonShown",
    "ScanOutcome",
    "ScanStatus",
    "WalkInResult",
    "check_in",
    "checkin_window_open",
    "ensure_self_checkin_code",
    "here_url",
    "may_check_in",
    "normalize_code",
    "page_words",
    "parse_ticket",
    "roster_rows",
    "scan",
    "search_roster",
    "self_check_in_with_code",
    "self_check_in_with_link",
    "session_counts",
    "sessions_for_user",
    "status_message",
    "undo",
    "walk_in",
]
