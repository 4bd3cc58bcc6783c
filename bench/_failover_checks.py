"""What bench/failover.py proves after the load, from the database and the SMTP server's folder, not from the
clients' word: every problem found is a sentence in the returned list; the figures go into the report."""

from __future__ import annotations

import re
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import create_engine, text

OUTBOX_ID = re.compile(r"^<outbox-(\d+)\.(\d+)@")


def check_scans(conn, plan, log) -> tuple[list[str], dict]:
    """Every scan a client saw `ok` is stored exactly once; no person checked in twice; a first scan never
    answered anything but `ok` (a retry answered `already_checked_in` means the retry was taken for a new scan)."""
    problems: list[str] = []
    rows = conn.execute(
        text("SELECT id, person_id, undone_at FROM checkins WHERE session_id = :s"), {"s": plan.session_id}
    ).all()
    by_id = {r.id: r for r in rows}
    per_person = Counter(r.person_id for r in rows if r.undone_at is None)
    twice = sum(1 for n in per_person.values() if n > 1)
    if twice:
        problems.append(f"{twice} people are checked in more than once")
    answers = Counter(s["status"] for s in log.scans.values())
    ok = {t: s for t, s in log.scans.items() if s["status"] == "ok"}
    not_ok = {t: s["status"] for t, s in log.scans.items() if s["status"] != "ok"}
    if not_ok:
        problems.append(
            f"{len(not_ok)} first scans were answered other than ok ({dict(Counter(not_ok.values()))}): "
            "a retry was counted as a second scan"
        )
    missing = [t for t, s in ok.items() if s["checkin_id"] not in by_id]
    wrong_person = [
        t
        for t, s in ok.items()
        if s["checkin_id"] in by_id and by_id[s["checkin_id"]].person_id != plan.person_of_ticket[t]
    ]
    if missing:
        problems.append(f"{len(missing)} scans a client saw ok have no stored check-in")
    if wrong_person:
        problems.append(f"{len(wrong_person)} ok answers point at another person's check-in")
    scanned_people = {plan.person_of_ticket[t] for t in log.scans}
    stray = [r for r in rows if r.person_id not in scanned_people]
    if stray:
        problems.append(f"{len(stray)} check-ins of people no client scanned")
    if len({s["checkin_id"] for s in ok.values()}) != len(ok):
        problems.append("two ok answers name the same check-in")
    stored = sum(per_person.values())
    if stored != len(log.scans) and not problems:
        problems.append(f"{stored} check-ins stored for {len(log.scans)} tickets scanned")
    return problems, {"tickets_scanned": len(log.scans), "answers": dict(answers), "checkins_stored": stored}


def check_signups(conn, plan, log) -> tuple[list[str], dict]:
    """Every sign-up a client sent is one registration (none lost, none twice); seats never above capacity;
    waitlist positions 1..n without a gap; what a client was told (201) is what the database holds."""
    problems: list[str] = []
    rows = conn.execute(
        text(
            "SELECT p.email, r.status, r.waitlist_position FROM registrations r JOIN people p ON p.id = r.person_id "
            "WHERE r.opportunity_id = :o"
        ),
        {"o": plan.opportunity_id},
    ).all()
    per_email = Counter(r.email.lower() for r in rows)
    sent = {e.lower() for e in log.signups}
    lost = sent - set(per_email)
    twice = [e for e, n in per_email.items() if n > 1]
    unknown = set(per_email) - sent
    gave_up = [e for e, s in log.signups.items() if s["status"] == "gave_up"]
    # A sign-up whose answer was lost (the client gave up) may or may not be stored: both are honest outcomes.
    unknown -= {e.lower() for e in gave_up}
    if lost - {e.lower() for e in gave_up}:
        problems.append(f"{len(lost)} sign-ups a client sent are not stored")
    if twice:
        problems.append(f"{len(twice)} people are registered twice")
    if unknown:
        problems.append(f"{len(unknown)} registrations nobody sent")
    confirmed = [r for r in rows if r.status == "confirmed"]
    waitlisted = sorted(r.waitlist_position or 0 for r in rows if r.status == "waitlisted")
    if len(confirmed) > plan.capacity:
        problems.append(f"{len(confirmed)} confirmed for {plan.capacity} seats")
    if len(confirmed) < min(plan.capacity, len(rows)):
        problems.append(f"{len(confirmed)} confirmed while {len(waitlisted)} wait for {plan.capacity} seats")
    if waitlisted != list(range(1, len(waitlisted) + 1)):
        problems.append(f"waitlist positions are not 1..{len(waitlisted)} without a gap")
    db_by_email = {r.email.lower(): r for r in rows}
    disagree = [
        e
        for e, s in log.signups.items()
        if s["http"] == 201
        and e.lower() in db_by_email
        and (s["status"], s["position"]) != (db_by_email[e.lower()].status, db_by_email[e.lower()].waitlist_position)
    ]
    if disagree:
        problems.append(f"{len(disagree)} sign-up answers disagree with the database")
    figures = {
        "signups_sent": len(log.signups),
        "registrations": len(rows),
        "confirmed": len(confirmed),
        "waitlisted": len(waitlisted),
        "answers": dict(Counter(s["status"] for s in log.signups.values())),
    }
    return problems, figures


def received_message_ids(folder: Path) -> list[str]:
    parser = BytesParser(policy=policy.default)
    ids = []
    for path in sorted(folder.glob("*.eml")):
        with open(path, "rb") as handle:
            ids.append(str(parser.parse(handle, headersonly=True)["Message-ID"] or ""))
    return ids


def check_outbox(conn, mail_folder: Path, worker_kills: int) -> tuple[list[str], dict]:
    """Every outbox row sent, and received by the SMTP server: at least once, and twice only for a message
    a killed worker had handed over before it could mark it sent (same Message-ID both times)."""
    problems: list[str] = []
    rows = conn.execute(text("SELECT id, sent_at, attempts FROM outbox_messages")).all()
    unsent = [r.id for r in rows if r.sent_at is None]
    if unsent:
        problems.append(f"{len(unsent)} outbox messages still unsent")
    copies: Counter = Counter()
    strangers = 0
    for message_id in received_message_ids(mail_folder):
        match = OUTBOX_ID.match(message_id)
        if match is None:
            strangers += 1
        else:
            copies[(int(match.group(1)), int(match.group(2)))] += 1
    row_ids = {r.id for r in rows}
    never = row_ids - {row for row, _n in copies}
    if never:
        problems.append(f"{len(never)} outbox messages never reached the SMTP server")
    if strangers or any(row not in row_ids for row, _n in copies):
        problems.append("the SMTP server received messages that match no outbox row")
    duplicates = sum(n - 1 for n in copies.values())
    if duplicates > worker_kills:
        problems.append(f"{duplicates} messages delivered twice, more than the {worker_kills} worker kills explain")
    figures = {
        "outbox_rows": len(rows),
        "received": sum(copies.values()) + strangers,
        "delivered_twice": duplicates,
        "retried_rows": sum(1 for r in rows if r.attempts > 1),
    }
    return problems, figures


def check_reports(conn, plan, final_summary: dict | None, log) -> tuple[list[str], dict]:
    """The dashboard's figures (API summary, read through the proxy after the load) equal SQL's count; no
    reader saw the attendance figure go down while check-ins only grew."""
    problems: list[str] = []
    attendances, people = conn.execute(
        text("SELECT count(*), count(DISTINCT person_id) FROM checkins WHERE undone_at IS NULL AND session_id = :s"),
        {"s": plan.session_id},
    ).one()
    truth = {"attendances": attendances, "attendees": people, "unique_individuals": people}
    shown = {k: (final_summary or {}).get(k) for k in truth}
    if shown != truth:
        problems.append(f"dashboard figures {shown} differ from SQL {truth}")
    # A read sent after another read was answered must not show fewer attendances (overlapping reads may
    # legitimately come back in either order).
    backwards = sum(
        1
        for sent, _answered, body in log.reads
        for _sent, answered, earlier in log.reads
        if answered < sent and body.get("attendances", 0) < earlier.get("attendances", 0)
    )
    if backwards:
        problems.append(f"{backwards} reads showed fewer attendances than a read answered before they were sent")
    return problems, {"sql": truth, "dashboard": shown, "reads_during_load": len(log.reads)}


def verify(database_url: str, plan, log, final_summary: dict | None, mail_folder: Path, worker_kills: int) -> dict:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            results = {
                "scans": check_scans(conn, plan, log),
                "signups": check_signups(conn, plan, log),
                "outbox": check_outbox(conn, mail_folder, worker_kills),
                "reports": check_reports(conn, plan, final_summary, log),
            }
    finally:
        engine.dispose()
    return {
        "problems": [p for problems, _figures in results.values() for p in problems],
        **{name: figures for name, (_problems, figures) in results.items()},
    }
