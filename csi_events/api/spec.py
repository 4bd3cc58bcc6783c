"""Declare an API route once: its pydantic schemas validate requests and generate the OpenAPI document."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import wraps
from typing import Any, Literal

from flask import Response, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from ..auth.access import access_rule
from ..errors import DomainError, ValidationFailed
from ..localtime import day_in_range, out_of_range_message
from .auth import require
from .views import bp

JSON_LIMIT = 1024 * 1024  # bytes accepted in one JSON body
# Integers accepted in a JSON body: what a 64-bit column holds (the database refuses beyond what the column
# holds with a 422, security.py; beyond 64 bits a driver fails before asking it).
JSON_INT_LIMIT = 2**63 - 1


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    scope: str | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tags: list[str] = field(default_factory=list)
    more_responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    media_type: str = "application/json"  # another type (a PDF): the view returns a flask Response


OPERATIONS: list[Operation] = []


def fields_from(err: ValidationError) -> dict[str, list[str]]:
    """Each field's problems in words for people, in the request's language (pages show them next to the field)."""
    fields: dict[str, list[str]] = {}
    for item in err.errors():
        name = ".".join(str(p) for p in item["loc"]) or "body"
        fields.setdefault(name, []).append(_field_message(name, item["type"], item.get("ctx") or {}, item["msg"]))
    return fields


def _field_message(name: str, kind: str, ctx: dict[str, Any], fallback: str) -> str:
    if kind in ("missing", "string_too_short") and ctx.get("min_length", 1) <= 1:
        return _("Fill this in.")
    if kind == "string_too_short":
        return _("Use at least %(num)s characters.", num=ctx["min_length"])
    if kind == "string_too_long":
        return _("Use at most %(num)s characters.", num=ctx["max_length"])
    if kind == "string_pattern_mismatch" and name.endswith("email"):
        return _("Enter an e-mail address like name@example.org.")
    if kind == "string_pattern_mismatch":
        return _("This is not in the expected form.")
    return fallback


def _bounded_int(text: str) -> int:
    value = int(text)
    if abs(value) > JSON_INT_LIMIT:
        raise ValidationFailed(
            _("A number in the body is too large."), fields={"body": [_("Numbers must be below 2^63.")]}
        )
    return value


def _dates_out_of_range(value: Any, path: str, fields: dict[str, list[str]]) -> None:
    """Note every date or time of a parsed request outside the accepted days (localtime.py)."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            _dates_out_of_range(getattr(value, name), f"{path}.{info.alias or name}".lstrip("."), fields)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _dates_out_of_range(item, f"{path}.{index}", fields)
    elif isinstance(value, date) and not day_in_range(value.date() if isinstance(value, datetime) else value):
        fields.setdefault(path, []).append(out_of_range_message())


def _validated(model: type[BaseModel], data: Any, message: str) -> BaseModel:
    try:
        parsed = model.model_validate(data)
    except ValidationError as err:
        raise ValidationFailed(message, fields=fields_from(err)) from err
    fields: dict[str, list[str]] = {}
    _dates_out_of_range(parsed, "", fields)
    if fields:
        raise ValidationFailed(message, fields=fields)
    return parsed


def parse_body(model: type[BaseModel]) -> BaseModel:
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(_("Send JSON with Content-Type: application/json."))
    if request.content_length is not None and request.content_length > JSON_LIMIT:
        raise PayloadTooLarge(_("The body is larger than %(n)d bytes.", n=JSON_LIMIT))
    raw = request.get_data(cache=True)
    if len(raw) > JSON_LIMIT:
        raise PayloadTooLarge(_("The body is larger than %(n)d bytes.", n=JSON_LIMIT))
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=_bounded_int)
    except UnicodeDecodeError as err:
        raise DomainError(_("The body is not valid UTF-8."), code="malformed") from err
    except json.JSONDecodeError as err:
        raise DomainError(_("The body is not valid JSON: %(why)s", why=err.msg), code="malformed") from err
    except RecursionError as err:  # e.g. "[" repeated 50,000 times
        raise DomainError(_("The body is nested too deeply."), code="malformed") from err
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."), fields={"body": [_("Expected an object.")]})
    return _validated(model, data, _("Some fields are invalid."))


def parse_query(model: type[BaseModel]) -> BaseModel:
    return _validated(model, dict(request.args.items()), _("Some query parameters are invalid."))


def route(
    rule: str,
    method: str = "GET",
    *,
    scope: str | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    more_responses: dict[int, type[BaseModel] | None] | None = None,
    summary: str = "",
    tags: list[str] | None = None,
    media_type: str = "application/json",
):
    """Register `rule` on the API blueprint. The view gets `caller`, and `query`/`body` when declared,
    and returns a dict (or pydantic model), optionally with a status code; with another `media_type` it
    returns a flask Response of that type."""

    def decorator(view):
        @wraps(view)
        def wrapped(**kwargs):
            caller = require(scope)
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            result = view(caller=caller, **kwargs)
            if isinstance(result, Response):
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            if isinstance(result, BaseModel):
                result = result.model_dump(mode="json")
            return jsonify(result), code

        access_rule(f"api:{scope or 'public'}")(wrapped)
        endpoint = f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}"
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        OPERATIONS.append(
            Operation(
                rule,
                method,
                endpoint,
                summary or (view.__doc__ or "").strip(),
                scope,
                query,
                body,
                response,
                status,
                tags or [],
                more_responses or {},
                media_type,
            )
        )
        return wrapped

    return decorator


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _content(op: Operation, schema_of) -> dict[str, Any]:
    if op.media_type != "application/json":
        return {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    if op.response:
        return {"application/json": {"schema": schema_of(op.response, "serialization")}}
    return {"application/json": {"schema": {"type": "object"}}}


def openapi_document(base_path: str = "/api/v1") -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}

    def schema_of(model: type[BaseModel], mode: Literal["validation", "serialization"]) -> dict:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        for name, sub in schema.pop("$defs", {}).items():
            components[name] = sub
        components[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    for op in OPERATIONS:
        path = base_path + _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", op.rule)
        parameters = []
        for conv, name in _CONVERTER.findall(op.rule):
            kind = "integer" if conv == "int" else "string"
            parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
        if op.query is not None:
            for name, info in op.query.model_fields.items():
                prop = op.query.model_json_schema()["properties"][info.alias or name]
                parameters.append(
                    {"name": info.alias or name, "in": "query", "required": info.is_required(), "schema": prop}
                )
        operation: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "parameters": parameters,
            "responses": {
                str(op.status): {"description": "OK", "content": _content(op, schema_of)},
                **{
                    str(code): {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": schema_of(model, "serialization") if model else {"type": "object"}
                            }
                        },
                    }
                    for code, model in op.more_responses.items()
                },
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                },
            },
        }
        if op.tags:
            operation["tags"] = op.tags
        if op.scope:
            operation["security"] = [{"bearer": [op.scope]}]
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of(op.body, "validation")}},
            }
        paths.setdefault(path, {})[op.method.lower()] = operation
    components["ErrorBody"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "request_id"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "request_id": {
                        "type": "string",
                        "description": "This answer's X-Request-ID: quote it when reporting a problem.",
                    },
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "CSI Events API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
