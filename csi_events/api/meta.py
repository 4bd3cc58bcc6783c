"""The OpenAPI document, generated from the same schemas that validate requests."""

from flask import jsonify

from ..auth.access import access_rule
from .spec import openapi_document
from .views import bp


@bp.get("/openapi.json")
@access_rule("public")
def openapi():
    return jsonify(openapi_document())
