"""The clients of bench/failover.py, over HTTPS through the proxy: scanners redeeming tickets, sign-ups to a
capacity-limited opportunity, report readers. Each retries a failed request as the real clients do: a scan
with the SAME nonce (the check-in page's queue), a sign-up with the same person. Everything a client saw is
kept with its time, for the checks and the error report."""

from __future__ import annotations

import http.client
import json
import random
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field

RETRY_PAUSE = 0.25  # seconds between a failed request and its retry
MAX_ATTEMPTS = 60


@dataclass
class ClientLog:
    """What the clients saw. `errors`: (monotonic time, client kind, HTTP status or 0 for no answer)."""

    scans: dict[str, dict] = field(default_factory=dict)  # ticket -> {"status", "checkin_id", "attempts"}
    signups: dict[str, dict] = field(default_factory=dict)  # e-mail -> {"status", "position", "http"}
    reads: list[tuple[float, float, dict]] = field(default_factory=list)  # (sent, answered, summary body)
    errors: list[tuple[float, str, int]] = field(default_factory=list)
    answered: list[tuple[float, str]] = field(default_factory=list)  # (time, kind) of every good answer
    dropped: int = 0  # answers the client walked away from on purpose (a phone losing its network)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str, status: int) -> None:
        with self.lock:
            self.errors.append((time.monotonic(), kind, status))

    def good(self, kind: str) -> None:
        with self.lock:
            self.answered.append((time.monotonic(), kind))


class Client:
    """One keep-alive HTTPS connection, opened again after any failure."""

    def __init__(self, port: int, tls: ssl.SSLContext, token: str):
        self.port, self.tls = port, tls
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPSConnection | None = None

    def _connection(self) -> http.client.HTTPSConnection:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20, context=self.tls)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        """(HTTP status, JSON body); (0, None) when no answer came (refused, reset, timed out)."""
        try:
            conn = self._connection()
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
            response = conn.getresponse()
            raw = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, None
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, None

    def send_and_walk_away(self, method: str, path: str, body: dict) -> None:
        """Send the request and drop the connection before the answer: the server may well do the work."""
        try:
            conn = self._connection()
            conn.request(method, path, body=json.dumps(body), headers=self.headers)
            time.sleep(0.05)
        except (OSError, http.client.HTTPException):
            pass
        self.close()


def scanner(client: Client, log: ClientLog, session_id: int, tickets: list[str], stop_at: float, opts) -> None:
    """Redeem each ticket once; a failure is retried with the same nonce (a new one under --no-nonce)."""
    rng = random.Random(tickets[0] if tickets else 0)
    for ticket in tickets:
        if time.monotonic() >= stop_at:
            break
        nonce = uuid.uuid4().hex
        walk_away = rng.random() < opts.drop_rate
        body = {"session_id": session_id, "ticket": ticket, "nonce": nonce}
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if opts.no_nonce and attempt > 1:
                body["nonce"] = uuid.uuid4().hex  # the broken client: a retry looks like a new scan
            if walk_away:
                walk_away = False
                client.send_and_walk_away("POST", "/api/v1/checkins", body)
                with log.lock:
                    log.dropped += 1
                time.sleep(RETRY_PAUSE)
                continue
            status, answer = client.call("POST", "/api/v1/checkins", body)
            if status == 200 and answer and "status" in answer:
                log.good("scan")
                checkin = answer.get("checkin") or {}
                with log.lock:
                    log.scans[ticket] = {
                        "status": answer["status"],
                        "checkin_id": checkin.get("id"),
                        "attempts": attempt,
                    }
                break
            log.error("scan", status)
            time.sleep(RETRY_PAUSE)
        else:
            with log.lock:
                log.scans[ticket] = {"status": "gave_up", "checkin_id": None, "attempts": MAX_ATTEMPTS}
        time.sleep(opts.scan_pause)


def signer(client: Client, log: ClientLog, opportunity_id: int, emails: list[str], stop_at: float, opts) -> None:
    """Register each person once; a failure is sent again, same person (the answer then says already_registered)."""
    rng = random.Random(emails[0] if emails else 0)
    path = f"/api/v1/opportunities/{opportunity_id}/registrations"
    for email in emails:
        if time.monotonic() >= stop_at:
            break
        body = {"first_name": "Rush", "last_name": email.split("@")[0], "email": email, "role": "teacher"}
        walk_away = rng.random() < opts.drop_rate
        for _attempt in range(MAX_ATTEMPTS):
            if walk_away:
                walk_away = False
                client.send_and_walk_away("POST", path, body)
                with log.lock:
                    log.dropped += 1
                time.sleep(RETRY_PAUSE)
                continue
            status, answer = client.call("POST", path, body)
            if status in (200, 201) and answer:
                log.good("signup")
                with log.lock:
                    log.signups[email] = {
                        "http": status,
                        "status": answer.get("status"),
                        "position": answer.get("waitlist_position"),
                    }
                break
            log.error("signup", status)
            time.sleep(RETRY_PAUSE)
        else:
            with log.lock:
                log.signups[email] = {"http": 0, "status": "gave_up", "position": None}
        time.sleep(opts.signup_pause)


def reader(client: Client, log: ClientLog, stop_at: float, opts) -> None:
    """Read the report summary (the dashboard's figures) over and over."""
    while time.monotonic() < stop_at:
        sent = time.monotonic()
        status, answer = client.call("GET", "/api/v1/reports/summary")
        if status == 200 and answer:
            log.good("report")
            with log.lock:
                log.reads.append((sent, time.monotonic(), answer))
        else:
            log.error("report", status)
        time.sleep(opts.read_pause)


def run_clients(port: int, tls: ssl.SSLContext, plan, stop_at: float, opts, log: ClientLog) -> list[threading.Thread]:
    """Start every client thread (daemon); the caller joins them."""
    threads = []
    for n in range(opts.scanners):
        mine = plan.tickets[n :: opts.scanners]
        client = Client(port, tls, plan.checkin_token)
        threads.append(threading.Thread(target=scanner, args=(client, log, plan.session_id, mine, stop_at, opts)))
    for n in range(opts.signers):
        mine = plan.emails[n :: opts.signers]
        client = Client(port, tls, plan.write_token)
        threads.append(threading.Thread(target=signer, args=(client, log, plan.opportunity_id, mine, stop_at, opts)))
    for _ in range(opts.readers):
        threads.append(threading.Thread(target=reader, args=(Client(port, tls, plan.read_token), log, stop_at, opts)))
    for thread in threads:
        thread.daemon = True
        thread.start()
    return threads
