"""Whether this process can serve: the database answers, the shared rate-limit store (Redis) answers when one
is configured, and the database schema is at the migrations' head.

The proxy asks /readyz every few seconds from every instance; the answer is kept READYZ_CACHE_SECONDS
(default 5) per process, so a burst of probes costs one round of checks.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import redis
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text

from ..extensions import db, limiter

log = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
NOT_CONFIGURED = "not configured"
REDIS_TIMEOUT_SECONDS = 1.0

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Flask, tuple[float, Readiness]] = weakref.WeakKeyDictionary()  # (expires, answer)
_heads: dict[str, frozenset[str]] = {}  # migrations directory -> head revisions


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [name for name, state in self.checks.items() if state == FAILED]

    @property
    def ready(self) -> bool:
        return not self.failed


def readiness(app: Flask) -> Readiness:
    """The checks' answer, from the cache while it is fresh."""
    ttl = float(app.config.get("READYZ_CACHE_SECONDS", 5))
    now = time.monotonic()
    with _lock:
        cached = _cache.get(app)
    if cached and cached[0] > now:
        return cached[1]
    answer = run_checks(app)
    with _lock:
        _cache[app] = (now + ttl, answer)
    return answer


def forget_cached(app: Flask) -> None:
    with _lock:
        _cache.pop(app, None)


def run_checks(app: Flask) -> Readiness:
    checks = {"database": check_database()}
    checks["migrations"] = check_migrations(app) if checks["database"] == OK else FAILED
    checks["redis"] = check_redis(app.config.get("RATELIMIT_STORAGE_URI") or "")
    answer = Readiness(checks)
    if not answer.ready:
        log.warning("not ready: %s", ", ".join(answer.failed))
    return answer


def check_database() -> str:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # any failure to reach it: driver errors differ per backend
        log.warning("readiness: database unreachable: %s", type(err).__name__)
        return FAILED
    return OK


def head_revisions(app: Flask) -> frozenset[str]:
    """The migration scripts' head revision(s); read once per process (the scripts ship with the code)."""
    directory = str(app.extensions["migrate"].directory)
    if directory not in _heads:
        _heads[directory] = frozenset(ScriptDirectory(directory).get_heads())
    return _heads[directory]


def check_migrations(app: Flask) -> str:
    """The revision(s) in alembic_version equal the scripts' head(s): `flask db upgrade` has run."""
    try:
        with db.engine.connect() as conn:
            stored = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception as err:  # no alembic_version table: never migrated (or stamped)
        log.warning("readiness: no migration version stored: %s", type(err).__name__)
        return FAILED
    heads = head_revisions(app)
    if stored != heads:
        log.warning("readiness: database at %s, migrations head %s", sorted(stored), sorted(heads))
        return FAILED
    return OK


def uses_redis(storage_uri: str) -> bool:
    return urlsplit(storage_uri).scheme.startswith("redis")


def check_redis(storage_uri: str) -> str:
    """Ping the rate-limit store when it is Redis (memory storage is per process: nothing to reach)."""
    if not uses_redis(storage_uri):
        return NOT_CONFIGURED
    scheme = urlsplit(storage_uri).scheme
    try:
        if scheme in ("redis", "rediss", "redis+unix"):
            url = storage_uri.replace("redis+unix://", "unix://", 1)
            client = redis.Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
            )
            try:
                reachable = bool(client.ping())
            finally:
                client.close()
        else:  # sentinel or cluster: the limiter's own storage knows how to reach it
            reachable = bool(limiter.storage.check())
    except Exception as err:  # refused, timed out, wrong password: not reachable either way
        log.warning("readiness: redis unreachable: %s", type(err).__name__)
        return FAILED
    return OK if reachable else FAILED
