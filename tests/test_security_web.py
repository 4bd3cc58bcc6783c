"""Browser protections, cookies, rate limits (shared through Redis), bad JSON input and the error page."""

from __future__ import annotations

import logging
import os
import re
import uuid

import pytest

from csi_events import create_app
from csi_events.config import load_config
from csi_events.extensions import limiter
from tests.factories import make_user

# --- headers --------------------------------------------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/privacy", "/auth/login", "/api/v1/openapi.json", "/no-such-page"])
def test_every_response_carries_the_browser_protections(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no hosts: inline script never runs
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'" and csp["img-src"] == "'self' data:"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


def test_hsts_only_when_configured(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/privacy").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/privacy").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_and_secure_cookies_default_on_for_https(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("BASE_URL", "https://events.example.org")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("HSTS_SECONDS", raising=False)
    config = load_config(str(tmp_path))
    assert config["HSTS_SECONDS"] > 0
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" == config["REMEMBER_COOKIE_SAMESITE"]
    monkeypatch.setenv("BASE_URL", "http://intranet.example.org")  # plain http elsewhere: still Secure
    assert load_config(str(tmp_path))["SESSION_COOKIE_SECURE"]
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")  # local development only
    config = load_config(str(tmp_path))
    assert not config["SESSION_COOKIE_SECURE"] and config["HSTS_SECONDS"] == 0


def test_session_cookie_is_httponly_samesite_lax(client, db):
    user = make_user("staff")
    db.session.commit()
    response = client.post("/auth/login", data={"email": user.email, "password": "correct horse battery"})
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ["/auth/login", "/staff/audit", "/api/v1/openapi.json"])
def test_personal_pages_are_not_cached(client, db, login, path):
    login(make_user("admin"))
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_public_pages_may_be_cached_when_signed_out(client):
    assert "no-store" not in client.get("/privacy").headers.get("Cache-Control", "")


def test_templates_use_no_inline_script_or_handlers():
    """CSP forbids inline script: a template with <script> without src, or on*= handlers, would break."""
    root = os.path.join(os.path.dirname(__file__), "..", "templates")
    offenders = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith(".html"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
                if "src=" not in tag and "application/json" not in tag and "application/ld+json" not in tag:
                    offenders.append(f"{name}: {tag}")
            offenders += [f"{name}: {m}" for m in re.findall(r"<[^>]+\son[a-z]+\s*=", text, flags=re.I)]
            offenders += [f"{name}: javascript: URL" for _ in re.findall(r"href=[\"']\s*javascript:", text, flags=re.I)]
    assert offenders == []


# --- rate limits ----------------------------------------------------------------------------------------------


@pytest.fixture
def limiter_restored():
    """The limiter is one object per process; tests that init it for their own app put it back after."""
    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


def _limited_app(database_url: str, storage: str, prefix: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )


def _failed_logins(app, n: int) -> list[int]:
    client = app.test_client()
    return [
        client.post("/auth/login", data={"email": "nobody@example.org", "password": "wrong guess"}).status_code
        for _ in range(n)
    ]


def test_login_is_rate_limited(app, database_url, limiter_restored):
    limited = _limited_app(database_url, "memory://", f"t-{uuid.uuid4().hex}")
    codes = _failed_logins(limited, 11)
    assert codes[:10] == [401] * 10 and codes[10] == 429


def _two_instances(database_url: str, storage: str) -> list[int]:
    """Six failed logins on instance A, then five on instance B (a new app with its own storage client)."""
    prefix = f"t-{uuid.uuid4().hex}"
    first = _limited_app(database_url, storage, prefix)
    codes = _failed_logins(first, 6)
    second = _limited_app(database_url, storage, prefix)  # re-creates the storage connection from the URI
    return codes + _failed_logins(second, 5)


@pytest.mark.slow
def test_rate_limit_is_shared_between_app_instances_through_redis(app, database_url, limiter_restored):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (CI sets it)")
    codes = _two_instances(database_url, redis_url)
    assert codes[:10] == [401] * 10 and codes[10] == 429


@pytest.mark.slow
def test_memory_storage_would_not_share_the_limit(app, database_url, limiter_restored):
    """The control for the test above: with per-process memory storage the second instance starts at zero."""
    assert 429 not in _two_instances(database_url, "memory://")


def _plain_app(database_url: str, **config):
    return create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False}
        | config
    )


def test_proxy_fix_takes_the_client_address_from_the_proxy(database_url, limiter_restored):
    proxied = _plain_app(database_url, PROXY_FIX_HOPS=1)
    seen = {}

    @proxied.get("/__addr")
    def addr():
        from flask import request

        seen["addr"] = request.remote_addr
        return "ok"

    addr.access_rule = "public"
    proxied.test_client().get("/__addr", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen["addr"] == "203.0.113.9"


# --- bad input on JSON endpoints ------------------------------------------------------------------------------

# The public registration endpoint takes a JSON body from anyone: a good target for every bad-input case.


@pytest.fixture
def json_url(db):
    from tests.factories import make_opportunity

    opp = make_opportunity()
    db.session.commit()
    return f"/api/v1/opportunities/{opp.id}/registrations"


def _error(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def test_wrong_content_type_is_415(client, json_url):
    response = client.post(json_url, data="first_name=A", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and _error(response)["code"] == "unsupported_media_type"


def test_too_large_body_is_413(client, json_url):
    response = client.post(
        json_url, data=b'{"a": "' + b"x" * (1024 * 1024 + 10) + b'"}', content_type="application/json"
    )
    assert response.status_code == 413
    _error(response)


def test_malformed_json_is_400(client, json_url):
    response = client.post(json_url, data=b'{"first_name": ', content_type="application/json")
    assert response.status_code == 400 and _error(response)["code"] == "malformed"


def test_invalid_utf8_is_400(client, json_url):
    response = client.post(json_url, data=b'{"first_name": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400 and _error(response)["code"] == "malformed"


def test_invalid_fields_are_422_with_field_messages(client, json_url):
    response = client.post(json_url, json={"first_name": "A", "email": "not an e-mail"})
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "invalid" and error["fields"]


def test_a_json_array_body_is_422_not_500(client, json_url):
    response = client.post(json_url, json=[1, 2])
    assert response.status_code == 422


# --- the generic error page -----------------------------------------------------------------------------------


def test_unexpected_error_shows_an_id_that_is_in_the_log_and_no_stack_trace(database_url, caplog, limiter_restored):
    broken = _plain_app(database_url)

    @broken.get("/__boom")
    def boom():
        raise RuntimeError("secret internal detail")

    boom.access_rule = "public"
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().get("/__boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    error_id = re.search(r"error ([0-9a-f]{12})", body).group(1)
    assert error_id in caplog.text and "secret internal detail" in caplog.text  # the log has the detail
    assert "secret internal detail" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert response.headers["Content-Security-Policy"]


def test_ids_beyond_any_integer_column_are_404_not_500(client, db, login):
    assert client.get("/api/v1/opportunities/99999999999999999999").status_code == 404
    login(make_user("staff"))
    assert client.get("/staff/people/9223372036854775808/privacy").status_code == 404


def test_ticket_lookups_and_registration_pages_are_rate_limited(app, db, database_url, limiter_restored):
    from tests.factories import make_registration

    reg = make_registration()
    db.session.commit()
    limited = _limited_app(database_url, "memory://", f"t-{uuid.uuid4().hex}")
    limited.config["ABUSE_RATE_LIMITS"] = {
        "registrations.ticket": "3 per minute",
        "registrations.register": "2 per minute",
    }
    client = limited.test_client()
    ticket = [client.get(f"/t/{reg.ticket}").status_code for _ in range(4)]
    guesses = [client.get(f"/t/guess{i}").status_code for i in range(2)]
    assert ticket[:3] == [200, 200, 200] and ticket[3] == 429 and guesses == [429, 429]
    url = f"/opportunities/{reg.opportunity_id}/register"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/privacy").status_code == 200  # pages outside the table are not limited


def test_names_with_markup_show_as_text(client, db, login):
    from tests.factories import make_person, make_registration

    person = make_person(first_name="<script>alert(1)</script>", last_name='"><img src=x onerror=alert(2)>')
    reg = make_registration(person=person)
    db.session.commit()
    login(make_user("staff"))
    for url in (f"/staff/people/{person.id}", f"/staff/people/{person.id}/privacy", f"/t/{reg.ticket}"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;" in body, url


# --- CSRF -----------------------------------------------------------------------------------------------------


def test_every_state_changing_page_refuses_a_post_without_csrf_token(database_url, limiter_restored):
    protected = _plain_app(database_url, WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    checked = 0
    for rule in protected.url_map.iter_rules():
        unsafe = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if rule.rule.startswith("/api/") or not unsafe:
            continue
        url = re.sub(r"<int:[^>]+>", "1", re.sub(r"<(?!int:)[^>]+>", "x", rule.rule))
        for method in unsafe:
            response = client.open(url, method=method, data={"anything": "1"})
            assert response.status_code == 400, f"{method} {rule.rule}: {response.status_code}"
            checked += 1
    assert checked > 10


def test_api_call_from_a_browser_session_needs_the_csrf_header(app, db, database_url, limiter_restored):
    staff = make_user("staff")
    db.session.commit()
    protected = _plain_app(database_url, WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = staff.get_id()
    response = client.post("/api/v1/checkins", json={"session_id": 1, "ticket": "x", "nonce": "n"})
    assert response.status_code == 403 and "CSRF" in response.get_json()["error"]["message"]


def test_every_abuse_limited_endpoint_exists(app):
    from csi_events.security import ABUSE_RATE_LIMITS

    assert sorted(set(ABUSE_RATE_LIMITS) - set(app.view_functions)) == []
