"""A request id on every answer (X-Request-ID), on error pages and in API error bodies; JSON logs on request."""

from __future__ import annotations

import json
import logging
import re

import pytest

from csi_events import create_app
from csi_events.observability.logs import configure_logging
from tests.factories import make_registration

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_every_answer_has_a_new_request_id(client, db):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


def test_the_proxys_request_id_is_kept_when_valid(client, db):
    nginx_style = "4f9c1b2a7d3e8f6a0b1c2d3e4f5a6b7c"
    assert client.get("/healthz", headers={"X-Request-ID": nginx_style}).headers["X-Request-ID"] == nginx_style
    uuid_style = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert client.get("/healthz", headers={"X-Request-ID": uuid_style}).headers["X-Request-ID"] == uuid_style


@pytest.mark.parametrize("bad", ["short", "x" * 129, "has space inside", "<script>alert(1)</script>", "-leading-dash"])
def test_an_invalid_request_id_is_replaced(client, db, bad):
    answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
    assert HEX_ID.fullmatch(answered)


def test_error_page_shows_the_reference(client, db):
    response = client.get("/no-such-page", headers={"X-Request-ID": "proxy-id-0001"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "proxy-id-0001"
    assert "Reference: proxy-id-0001" in response.get_data(as_text=True)


def test_error_page_reference_in_spanish(client, db):
    response = client.get("/no-such-page?lang=es", headers={"X-Request-ID": "proxy-id-0002"})
    assert "Referencia: proxy-id-0002" in response.get_data(as_text=True)


def test_api_error_body_has_the_request_id(client, db):
    response = client.get("/api/v1/opportunities/999999")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found"
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_api_error_schema_documents_the_request_id(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    error = document["components"]["schemas"]["ErrorBody"]["properties"]["error"]
    assert "request_id" in error["required"] and error["properties"]["request_id"]["type"] == "string"


def test_unexpected_error_page_log_and_header_share_the_id(database_url, caplog):
    broken = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})

    @broken.get("/__boom")
    def boom():
        raise RuntimeError("internal detail")

    boom.access_rule = "public"
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().get("/__boom", headers={"X-Request-ID": "boom-request-1"})
    assert response.status_code == 500
    assert "Reference: boom-request-1" in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "boom-request-1"
    assert "boom-request-1" in caplog.text


@pytest.fixture
def json_logs():
    yield
    configure_logging("text")  # the JSON handler off again for the tests after this one


def test_json_logs_one_object_per_line_with_the_request_fields(database_url, db, capsys, json_logs):
    reg = make_registration()
    db.session.commit()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LOG_FORMAT": "json",
            "LOG_REQUESTS": True,
        }
    )
    client = app.test_client()
    capsys.readouterr()
    response = client.get(f"/t/{reg.ticket}", headers={"X-Request-ID": "json-log-request"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    (access,) = [line for line in lines if line["logger"] == "csi_events.requests"]
    assert set(access) >= {"time", "level", "logger", "message", "request_id", "method", "path", "status"}
    assert access["request_id"] == "json-log-request"
    assert access["method"] == "GET" and access["status"] == 200 and access["level"] == "INFO"
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert access["path"] == "/t/[hidden]"  # a ticket is a credential: never in the logs
    assert reg.ticket not in json.dumps(lines)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access["time"])


def test_text_logs_stay_the_default(database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["LOG_FORMAT"] == "text" and app.config["LOG_REQUESTS"] is False
    assert not [h for h in logging.getLogger().handlers if getattr(h, "csi_events_json_handler", False)]
