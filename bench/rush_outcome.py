"""What a registration rush must leave behind, and the check of it (bench/registration_rush.py): the answers, the
registrations (one per address, seats and a gap-free waitlist in commit order), the outbox (one message of the
right kind per registration, all sent) and the mail folder (one e-mail per address).

tests/test_bench_registration_rush.py feeds check() wrong outcomes to show that each is reported.
"""

from __future__ import annotations

from collections import Counter
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path

# The outbox message each kind of registration must leave (one per registration, nothing else).
MESSAGE_KIND = {"confirmed": "registration_confirmed", "waitlisted": "registration_waitlisted"}


def email_of(i: int) -> str:
    return f"rush{i}@example.org"


def signup_ok(result: dict) -> bool:
    """The anonymous answer to an accepted sign-up: 202 {"status": "received", ...}, nothing more."""
    return result["status"] == 202 and (result.get("answer") or {}).get("status") == "received"


def read_outcome(database_url: str, opp_id: int, mail_dir: Path) -> dict:
    """What the rush left: the opportunity's registrations (id, status, position, created_at, email, in id
    order), every outbox message (kind, registration id from its payload, sent) and the To: of each e-mail."""
    from sqlalchemy import JSON, column, create_engine, select, table, text

    outbox = table("outbox_messages", column("id"), column("kind"), column("payload", JSON), column("sent_at"))
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            registrations = conn.execute(
                text(
                    "SELECT r.id, r.status, r.waitlist_position, r.created_at, p.email FROM registrations r "
                    "JOIN people p ON p.id = r.person_id WHERE r.opportunity_id = :o ORDER BY r.id"
                ),
                {"o": opp_id},
            ).all()
            messages = [
                {
                    "kind": m.kind,
                    "registration_id": (m.payload or {}).get("registration_id"),
                    "sent": m.sent_at is not None,
                }
                for m in conn.execute(select(outbox).order_by(outbox.c.id))
            ]
    finally:
        engine.dispose()
    parser = BytesHeaderParser()
    mail_to = [parseaddr(str(parser.parsebytes(f.read_bytes())["To"]))[1] for f in sorted(mail_dir.glob("*.eml"))]
    return {"registrations": registrations, "messages": messages, "mail_to": mail_to}


def check(results: list[dict], outcome: dict, seats: int, signups: int) -> list[str]:
    """Problems found (empty: all good). `outcome` as read_outcome() gives it: registrations with .id, .status,
    .waitlist_position, .created_at and .email; messages as dicts; mail_to as a list of addresses."""
    rows, messages, mail_to = outcome["registrations"], outcome["messages"], outcome["mail_to"]
    sent = {email_of(i) for i in range(signups)}
    problems = _answer_problems(results, signups) + _registration_problems(rows, sent, signups)
    problems += _seat_problems(rows, seats, signups) + _order_problems(rows) + _outbox_problems(rows, messages)
    # The mailbox: one e-mail to each address sent.
    if Counter(mail_to) != Counter(sent):
        problems.append(f"{len(mail_to)} e-mails written; expected exactly one to each of the {signups} addresses")
    return problems


def _answer_problems(results: list[dict], signups: int) -> list[str]:
    """Every sign-up answered, every answer the anonymous 202 "received"."""
    problems = []
    if len(results) != signups or sorted(r["i"] for r in results) != list(range(signups)):
        problems.append(f"{len(results)} answers for {signups} sign-ups (some missing or sent twice)")
    errors = [r for r in results if not signup_ok(r)]
    if errors:
        first = errors[0]
        problems.append(
            f"{len(errors)} answers were not 202 received (first: {first['status']} "
            f"{first.get('error') or first.get('answer')})"
        )
    return problems


def _registration_problems(rows, sent: set[str], signups: int) -> list[str]:
    """One registration per address sent, no other."""
    problems = []
    stored = Counter(r.email for r in rows)
    if len(rows) != signups:
        problems.append(f"{len(rows)} registrations stored, expected {signups}")
    if twice := sorted(email for email, n in stored.items() if n > 1):
        problems.append(f"{len(twice)} addresses registered more than once (first: {twice[0]})")
    if missing := sorted(sent - set(stored)):
        problems.append(f"{len(missing)} addresses sent have no registration (first: {missing[0]})")
    if unexpected := sorted(set(stored) - sent):
        problems.append(f"{len(unexpected)} registrations for addresses never sent (first: {unexpected[0]})")
    return problems


def _seat_problems(rows, seats: int, signups: int) -> list[str]:
    """The seats taken and the waitlist's places 1..n."""
    problems = []
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waitlisted"]
    if others := [r for r in rows if r.status not in MESSAGE_KIND]:
        problems.append(f"{len(others)} registrations neither confirmed nor waitlisted (first: {others[0].status})")
    if len(confirmed) != min(seats, signups):
        problems.append(f"{len(confirmed)} confirmed, expected {min(seats, signups)}")
    if any(r.waitlist_position is not None for r in confirmed):
        problems.append("a confirmed registration has a waitlist position")
    positions = sorted(r.waitlist_position for r in waiting if r.waitlist_position is not None)
    if positions != list(range(1, max(signups - seats, 0) + 1)):
        problems.append(f"waitlist positions are not exactly 1..{signups - seats} (a gap, a duplicate or missing)")
    return problems


def _order_problems(rows) -> list[str]:
    """Commit order: the lock hands seats and places one at a time, so the registration stored (id, created_at)
    later must have the later place: all confirmed before the first waitlisted, positions rising with ids."""
    problems = []
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waitlisted"]
    by_place = sorted(waiting, key=lambda r: (r.waitlist_position is None, r.waitlist_position or 0))
    if [r.id for r in by_place] != sorted(r.id for r in waiting):
        problems.append("waitlist positions do not follow the order the registrations were stored (ids)")
    elif [r.created_at for r in by_place] != sorted(r.created_at for r in waiting):
        problems.append("waitlist positions do not follow the order the registrations were stored (created_at)")
    if confirmed and waiting and max(r.id for r in confirmed) > min(r.id for r in waiting):
        problems.append("a registration stored after a waitlisted one got a seat")
    return problems


def _outbox_problems(rows, messages: list[dict]) -> list[str]:
    """Exactly one outbox message per registration, of its kind, and nothing else; all sent."""
    problems = []
    by_registration = Counter(m["registration_id"] for m in messages)
    kinds = {m["registration_id"]: m["kind"] for m in messages}
    if len(messages) != len(rows):
        problems.append(f"{len(messages)} outbox messages for {len(rows)} registrations")
    if doubled := [rid for rid, n in by_registration.items() if n > 1]:
        problems.append(f"{len(doubled)} registrations have more than one outbox message (first: {doubled[0]})")
    if unmailed := [r.id for r in rows if r.id not in by_registration]:
        problems.append(f"{len(unmailed)} registrations have no outbox message (first: {unmailed[0]})")
    if stray := sorted(set(by_registration) - {r.id for r in rows}, key=str):
        problems.append(f"{len(stray)} outbox messages for no registration of the rush (first: {stray[0]})")
    wrong = [r.id for r in rows if r.id in kinds and kinds[r.id] != MESSAGE_KIND.get(r.status)]
    if wrong:
        problems.append(f"{len(wrong)} outbox messages of the wrong kind (first: registration {wrong[0]})")
    if unsent := sum(1 for m in messages if not m["sent"]):
        problems.append(f"{unsent} outbox messages not sent after the drain")
    return problems
