"""The OpenAPI document, generated from the same schemas that validate requests."""

from flask import jsonify

from .blueprint import bp
from .spec import openapi_document


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


openapi.access_rule = "public"
