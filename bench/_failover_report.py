"""The Markdown table of a bench/failover.py report, for docs/benchmarks.md ("Failover")."""

from __future__ import annotations

import os
import platform


def markdown(report: dict) -> str:
    clients, scans, signups, outbox = report["clients"], report["scans"], report["signups"], report["outbox"]
    errors = ", ".join(f"{n} {kind}" for kind, n in sorted(clients["by_kind"].items())) or "none"
    rows = [
        ("load", f"{report['duration_s']} s, {report['requests_answered']:,} requests answered ({report['mode']})"),
        (
            "scans",
            f"{scans['tickets_scanned']:,} tickets, answers {scans['answers']}, {scans['checkins_stored']:,} check-ins stored",
        ),
        (
            "sign-ups",
            f"{signups['signups_sent']} sent, {signups['registrations']} stored: {signups['confirmed']} confirmed, "
            f"{signups['waitlisted']} waitlisted (positions 1..{signups['waitlisted']})",
        ),
        (
            "e-mail",
            f"{outbox['outbox_rows']} outbox rows, {outbox['received']} messages received, "
            f"{outbox['delivered_twice']} delivered twice (same Message-ID), {outbox['retried_rows']} rows sent again",
        ),
        ("dashboard vs SQL", f"{report['reports']['dashboard']} = {report['reports']['sql']}"),
        ("errors clients saw", f"{clients['errors_seen']} ({errors}); each retried"),
        ("answers dropped by clients on purpose", str(clients["answers_dropped_on_purpose"])),
        ("last client error after the instance kill", f"{clients['last_error_after_kill_s']} s"),
        ("killed instance back and ready (restart after 2 s)", f"{report['instance_ready_after_kill_s']} s"),
        (
            "outbox worker killed while the SMTP server held its message",
            "yes" if report["worker_killed_mid_send"] else "no",
        ),
        ("outbox empty after the load ended", f"{report['outbox_drained_after_load_s']} s"),
        ("problems found", "; ".join(report["problems"]) or "none"),
    ]
    lines = [
        "| measure | result |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine was shared with other work).",
    ]
    return "\n".join(lines)
