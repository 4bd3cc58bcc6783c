#!/usr/bin/env python3
"""Render the production configuration (deploy/templates) for one machine into a folder.

    python3 deploy/render.py --out build/deploy --prefix /srv/csi-events --ports 8001,8002 --outbox-workers 2

writes OUT/haproxy/haproxy.cfg (for /etc/haproxy/haproxy.cfg) and OUT/systemd/*.service, *.timer, *.target (for
/etc/systemd/system/). Placeholders in the templates are @@NAME@@; every one must be filled (an unknown one is an
error). Only the standard library: it runs with the system's python3 before any virtualenv exists.
`make deploy-config OUT=... DEPLOY_ARGS="..."` calls it. deploy/README.md says where each file goes.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")


@dataclass(frozen=True)
class Job:
    """A cron job of the README, as a systemd service and timer."""

    name: str
    command: str
    description: str
    calendar: str
    accuracy: str
    schedule_text: str


JOBS = (
    Job("csi-events-reminders", "notify reminders", "day-before session reminders", "*:0/5", "30s", "every 5 minutes"),
    Job("csi-events-outbox-retry", "notify outbox", "retry of e-mail left unsent", "*:0/5", "30s", "every 5 minutes"),
    Job("csi-events-rollup", "reports rollup", "dashboard rollup of changed people", "*:*:00", "5s", "every minute"),
    Job(
        "csi-events-surveys", "surveys send", "feedback surveys of ended sessions", "*:0/10", "1min", "every 10 minutes"
    ),
    Job(
        "csi-events-purge",
        "people purge-inactive --years ${RETENTION_YEARS}",
        "privacy retention purge",
        "*-*-* 03:30:00",
        "5min",
        "daily at 03:30",
    ),
)


def fill(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for placeholder @@{name}@@")
        return values[name]

    return PLACEHOLDER.sub(one, text)


def parse_ports(text: str) -> list[int]:
    ports = [int(p) for p in text.split(",") if p.strip()]
    if not ports or any(not 1 <= p <= 65535 for p in ports) or len(set(ports)) != len(ports):
        raise argparse.ArgumentTypeError("--ports: distinct port numbers, comma-separated (e.g. 8001,8002)")
    return ports


def haproxy_values(args) -> dict[str, str]:
    servers = "\n".join(f"    server app-{port} 127.0.0.1:{port}" for port in args.ports)
    if args.unprivileged:
        # A user's own HAProxy (tests, bench/failover.py): no chroot, no user switch, no admin socket.
        process = "    pidfile " + str(Path(args.out).resolve() / "haproxy" / "haproxy.pid")
    else:
        process = "\n".join(
            (
                "    chroot /var/lib/haproxy",
                "    user haproxy",
                "    group haproxy",
                "    daemon",
                "    stats socket /run/haproxy/admin.sock mode 660 level admin",
            )
        )
    return {
        "GLOBAL_PROCESS": process,
        "LOG_TARGET": args.log,
        "BIND": args.bind,
        "HTTP_PORT": str(args.http_port),
        "HTTPS_PORT": str(args.https_port),
        "CERT": args.cert,
        "SERVER_NAME": args.server_name,
        "STATIC_MAX_AGE": str(args.static_max_age),
        "APP_SERVERS": servers,
    }


def systemd_values(args) -> dict[str, str]:
    return {
        "USER": args.user,
        "PREFIX": args.prefix,
        "VENV": args.venv or f"{args.prefix}/.venv",
        "ENV_FILE": args.env_file,
        "APP_INSTANCES": " ".join(f"csi-events@{port}.service" for port in args.ports),
        "OUTBOX_INSTANCES": " ".join(f"csi-events-outbox@{n}.service" for n in range(1, args.outbox_workers + 1)),
        "TIMERS": " ".join(f"{job.name}.timer" for job in JOBS),
    }


def render(args) -> list[Path]:
    out = Path(args.out)
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)

    write("haproxy/haproxy.cfg", fill((TEMPLATES / "haproxy" / "haproxy.cfg").read_text(), haproxy_values(args)))
    values = systemd_values(args)
    for name in (
        "csi-events.target",
        "csi-events@.service",
        "csi-events-outbox@.service",
        "csi-events-migrate.service",
    ):
        write(f"systemd/{name}", fill((TEMPLATES / "systemd" / name).read_text(), values))
    for job in JOBS:
        job_values = {
            **values,
            "JOB_NAME": job.name,
            "JOB_COMMAND": job.command,
            "JOB_DESCRIPTION": job.description,
            "JOB_CALENDAR": job.calendar,
            "JOB_ACCURACY": job.accuracy,
            "JOB_SCHEDULE_TEXT": job.schedule_text,
        }
        for suffix in ("service", "timer"):
            text = (TEMPLATES / "systemd" / f"csi-events-job.{suffix}").read_text()
            write(f"systemd/{job.name}.{suffix}", fill(text, job_values))
    return written


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--out", required=True, help="folder to write into (created)")
    p.add_argument("--prefix", default="/srv/csi-events", help="the checkout of the release the units run")
    p.add_argument("--venv", default="", help="its virtualenv (default: PREFIX/.venv)")
    p.add_argument("--env-file", default="/etc/csi-events/env", help="settings file (deploy/env.example)")
    p.add_argument("--user", default="csi-events", help="system user the app runs as")
    p.add_argument("--ports", type=parse_ports, default=parse_ports("8001,8002"), help="one app instance per port")
    p.add_argument("--outbox-workers", type=int, default=2, help="outbox worker processes")
    p.add_argument("--server-name", default="csi-events.local", help="Host header of the health checks")
    p.add_argument("--cert", default="/etc/haproxy/certs/csi-events.pem", help="certificate + key, one PEM file")
    p.add_argument("--bind", default="", help="proxy address (empty: every address)")
    p.add_argument("--http-port", type=int, default=80)
    p.add_argument("--https-port", type=int, default=443)
    p.add_argument("--static-max-age", type=int, default=300, help="seconds static files stay cached")
    p.add_argument("--log", default="/dev/log local0", help="HAProxy log target (syslog)")
    p.add_argument("--unprivileged", action="store_true", help="HAProxy run by a user: no chroot, user or socket")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for path in render(args):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
