"""The registration rush benchmark's verification (bench/registration_rush.py check()) must be able to fail.

A right outcome passes; each kind of wrong outcome (an error answer, a missing or doubled registration, a gap
or duplicate in the waitlist, places out of commit order, a seat after a waitlisted registration, a missing,
doubled, wrong or unsent outbox message, a missing e-mail) is reported. No server and no database: the rows
are built here as read_outcome() returns them.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime, timedelta

import pytest

from bench.rush_outcome import check, email_of

Row = namedtuple("Row", "id status waitlist_position created_at email")
SEATS, SIGNUPS = 3, 8
T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def right_outcome() -> tuple[list[dict], dict]:
    """Answers and stored rows of a correct rush: sign-ups committed in the order 7, 6, ..., 0 (arrival
    order is not commit order), ids 1..8 in commit order, the first SEATS confirmed."""
    rows = []
    for n, i in enumerate(reversed(range(SIGNUPS)), start=1):
        confirmed = n <= SEATS
        rows.append(
            Row(
                n,
                "confirmed" if confirmed else "waitlisted",
                None if confirmed else n - SEATS,
                T0 + timedelta(milliseconds=n),
                email_of(i),
            )
        )
    messages = [
        {"kind": f"registration_{r.status}", "registration_id": r.id, "sent": True}
        for r in reversed(rows)  # the sender's order does not matter
    ]
    results = [
        {"i": i, "status": 202, "seconds": 0.01, "answer": {"status": "received", "message": "…"}}
        for i in range(SIGNUPS)
    ]
    return results, {"registrations": rows, "messages": messages, "mail_to": [r.email for r in rows]}


def test_a_right_outcome_passes():
    results, outcome = right_outcome()
    assert check(results, outcome, SEATS, SIGNUPS) == []


def _replace(rows: list[Row], row_id: int, **changes) -> list[Row]:
    return [r._replace(**changes) if r.id == row_id else r for r in rows]


def _swap_places(rows: list[Row]) -> list[Row]:
    # Registrations 4 and 5 (positions 1 and 2) swap places: positions still 1..n, but against commit order.
    return _replace(_replace(rows, 4, waitlist_position=2), 5, waitlist_position=1)


def _swap_times(rows: list[Row]) -> list[Row]:
    # Ids in order but the creation times say registration 5 was stored before 4.
    return _replace(_replace(rows, 4, created_at=T0 + timedelta(seconds=1)), 5, created_at=T0)


def _seat_after_waitlist(rows: list[Row]) -> list[Row]:
    # Registration 3 waitlisted at 1 and registration 4 confirmed: counts right, order wrong.
    rows = _replace(rows, 3, status="waitlisted", waitlist_position=1)
    return _replace(rows, 4, status="confirmed", waitlist_position=None)


def _duplicate_address(rows: list[Row]) -> list[Row]:
    return _replace(rows, 8, email=email_of(1))


ROW_FAULTS = {
    "a gap in the positions": (lambda rows: _replace(rows, 8, waitlist_position=6), "not exactly 1..5"),
    "a duplicate position": (lambda rows: _replace(rows, 8, waitlist_position=4), "not exactly 1..5"),
    "one registration missing": (lambda rows: rows[:-1], "7 registrations stored"),
    "an address registered twice": (_duplicate_address, "more than once"),
    "an extra confirmed": (lambda rows: _replace(rows, 8, status="confirmed", waitlist_position=None), "4 confirmed"),
    "a cancelled registration": (lambda rows: _replace(rows, 8, status="cancelled", waitlist_position=None), "neither"),
    "places against commit order (ids)": (_swap_places, "(ids)"),
    "places against commit order (created_at)": (_swap_times, "(created_at)"),
    "a seat after a waitlisted registration": (_seat_after_waitlist, "got a seat"),
}


@pytest.mark.parametrize("fault", ROW_FAULTS)
def test_a_wrong_registration_table_is_reported(fault):
    results, outcome = right_outcome()
    damage, expected = ROW_FAULTS[fault]
    outcome["registrations"] = damage(outcome["registrations"])
    problems = check(results, outcome, SEATS, SIGNUPS)
    assert any(expected in p for p in problems), problems


ANSWER_FAULTS = {
    "a server error": ({"status": 500, "answer": {"error": "internal"}}, "1 answers were not 202"),
    "the old 201 answer": ({"status": 201, "answer": {"status": "confirmed"}}, "1 answers were not 202"),
    "202 without received": ({"status": 202, "answer": {"status": "confirmed"}}, "1 answers were not 202"),
    "no answer (connection error)": ({"status": 0, "error": "ConnectionResetError()"}, "1 answers were not 202"),
}


@pytest.mark.parametrize("fault", ANSWER_FAULTS)
def test_an_error_answer_is_reported(fault):
    results, outcome = right_outcome()
    changes, expected = ANSWER_FAULTS[fault]
    results[3] = {"i": 3, "seconds": 0.01, **changes}
    problems = check(results, outcome, SEATS, SIGNUPS)
    assert any(expected in p for p in problems), problems


def test_a_missing_answer_is_reported():
    results, outcome = right_outcome()
    problems = check(results[:-1], outcome, SEATS, SIGNUPS)
    assert any("7 answers for 8 sign-ups" in p for p in problems), problems


def _message(outcome: dict, registration_id: int) -> dict:
    return next(m for m in outcome["messages"] if m["registration_id"] == registration_id)


def test_outbox_faults_are_reported():
    results, outcome = right_outcome()
    outcome["messages"] = [m for m in outcome["messages"] if m["registration_id"] != 2]
    assert any("no outbox message" in p for p in check(results, outcome, SEATS, SIGNUPS))

    results, outcome = right_outcome()
    outcome["messages"].append(dict(_message(outcome, 2)))
    assert any("more than one outbox message" in p for p in check(results, outcome, SEATS, SIGNUPS))

    results, outcome = right_outcome()
    _message(outcome, 6)["kind"] = "registration_confirmed"
    assert any("wrong kind" in p for p in check(results, outcome, SEATS, SIGNUPS))

    results, outcome = right_outcome()
    _message(outcome, 6)["kind"] = "registration_resent"
    assert any("wrong kind" in p for p in check(results, outcome, SEATS, SIGNUPS))

    results, outcome = right_outcome()
    outcome["messages"].append({"kind": "manage_link", "registration_id": None, "sent": True})
    assert any("9 outbox messages for 8 registrations" in p for p in check(results, outcome, SEATS, SIGNUPS))

    results, outcome = right_outcome()
    _message(outcome, 1)["sent"] = False
    assert any("1 outbox messages not sent" in p for p in check(results, outcome, SEATS, SIGNUPS))


def test_a_missing_or_doubled_email_is_reported():
    results, outcome = right_outcome()
    outcome["mail_to"] = outcome["mail_to"][:-1]
    assert any("e-mails written" in p for p in check(results, outcome, SEATS, SIGNUPS))

    results, outcome = right_outcome()
    outcome["mail_to"][0] = outcome["mail_to"][1]
    assert any("e-mails written" in p for p in check(results, outcome, SEATS, SIGNUPS))
