"""Settings from the environment; the embedded default is SQLite in the instance folder."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


OUTBOX_MODES = ("thread", "worker", "inline")


def _outbox_mode() -> str | None:
    """OUTBOX_MODE: "worker" in the production layout (a `notify outbox --loop` process sends the e-mail)."""
    mode = os.environ.get("OUTBOX_MODE", "").strip().lower()
    if mode and mode not in OUTBOX_MODES:
        raise ValueError(f"OUTBOX_MODE must be one of {', '.join(OUTBOX_MODES)}, not {mode!r}")
    return mode or None


def _is_local_http(base_url: str) -> bool:
    """Plain http on this machine (development): the only case where cookies may travel without TLS."""
    parts = urlsplit(base_url)
    return parts.scheme == "http" and (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}


def _local_base_url() -> str:
    """Without BASE_URL, links point to this machine on the port being served (`make run PORT=8080`)."""
    port = os.environ.get("PORT", "").strip()
    return f"http://127.0.0.1:{port if port.isdigit() else 5000}"


def load_config(instance_path: str) -> dict:
    instance = Path(instance_path)
    sqlite_default = f"sqlite:///{instance / 'csi_events.db'}"
    secret = os.environ.get("SECRET_KEY") or _instance_secret(instance)
    base_url = (os.environ.get("BASE_URL") or _local_base_url()).rstrip("/")
    # Secure cookies everywhere except plain http on localhost (development); SESSION_COOKIE_SECURE overrides.
    secure_cookies = _bool("SESSION_COOKIE_SECURE", not _is_local_http(base_url))
    absolute_hours = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT_HOURS", "12"))
    log_format = os.environ.get("LOG_FORMAT", "text").strip().lower()
    return {
        "SECRET_KEY": secret,
        # Logs: "text" (default) or "json" (one object per line); LOG_REQUESTS: one line per request (on with json).
        "LOG_FORMAT": log_format if log_format in ("text", "json") else "text",
        "LOG_REQUESTS": _bool("LOG_REQUESTS", log_format == "json"),
        # How long /readyz keeps its answer (seconds): a proxy probing every second costs one check per period.
        "READYZ_CACHE_SECONDS": float(os.environ.get("READYZ_CACHE_SECONDS", "5")),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", sqlite_default),
        # pool_pre_ping: set by create_app from the final database URL (PostgreSQL yes, SQLite no).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "BASE_URL": base_url,
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "file"),  # file | smtp
        # Seconds before a message claimed by a sender that died may be taken by another (default 600).
        "OUTBOX_CLAIM_TIMEOUT": float(os.environ["OUTBOX_CLAIM_TIMEOUT"])
        if os.environ.get("OUTBOX_CLAIM_TIMEOUT")
        else None,
        # Trusted proxies in front (X-Forwarded-For/-Proto/-Host), e.g. 1 behind the HAProxy of deploy/.
        "PROXY_FIX_HOPS": int(os.environ["PROXY_FIX_HOPS"]) if os.environ.get("PROXY_FIX_HOPS") else None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "CSI Events <no-reply@csi-events.local>"),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(instance / "mail")),
        # How e-mail leaves after a commit (csi_events/outbox.py); unset: "thread" ("inline" under tests).
        "OUTBOX_MODE": _outbox_mode(),
        # Several processes (gunicorn workers) must share one store: RATELIMIT_STORAGE_URI=redis://...
        # (or REDIS_URL). Memory storage counts per process: only for the embedded single-process default.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "csi-events"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "America/Los_Angeles",
        "LANGUAGES": ["en", "es"],
        "DISPLAY_TIMEZONE": "America/Los_Angeles",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute_hours),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # "Keep me signed in" never outlives the absolute session timeout.
        "REMEMBER_COOKIE_DURATION": timedelta(hours=absolute_hours),
        # Signed-in sessions end after this much inactivity (facilitators at a door get longer) and, whatever
        # the activity, this long after sign-in (csi_events/security.py).
        "SESSION_IDLE_TIMEOUT_MINUTES": int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", "30")),
        "FACILITATOR_IDLE_TIMEOUT_MINUTES": int(os.environ.get("FACILITATOR_IDLE_TIMEOUT_MINUTES", "240")),
        "SESSION_ABSOLUTE_TIMEOUT_HOURS": absolute_hours,
        # Strict-Transport-Security max-age; 0 = not sent. On by default whenever BASE_URL is https.
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", "31536000" if base_url.startswith("https://") else "0")),
        "WTF_CSRF_TIME_LIMIT": None,
        "CATALOG_PER_PAGE": 20,
        # The center's name in the reports' press paragraph (and certificates).
        "CENTER_NAME": os.environ.get("CENTER_NAME", "Greater Los Angeles R-TAC"),
        # Certificates: optional logo and signature images (PNG or JPEG files), the signer's name and title.
        "CERTIFICATE_LOGO_PATH": os.environ.get("CERTIFICATE_LOGO_PATH", ""),
        "CERTIFICATE_SIGNATURE_PATH": os.environ.get("CERTIFICATE_SIGNATURE_PATH", ""),
        "CERTIFICATE_SIGNER_NAME": os.environ.get("CERTIFICATE_SIGNER_NAME", ""),
        "CERTIFICATE_SIGNER_TITLE": os.environ.get("CERTIFICATE_SIGNER_TITLE", ""),
        # The centre's address shown on opportunity pages for questions ("Questions? Write to ...").
        "CENTER_CONTACT_EMAIL": os.environ.get("CENTER_CONTACT_EMAIL", "help@csi-events.local"),
    }


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, so sessions survive restarts in development."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value
