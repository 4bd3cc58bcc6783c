"""The OpenAPI document, generated from the same schemas that validate requests."""

from flask import jsonify

from .spec import openapi_document
from .views import bp


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


openapi.access_rule = "public"
