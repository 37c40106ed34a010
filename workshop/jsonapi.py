"""What every JSON endpoint shares: the bearer token, and errors as ``{"error", "message"}``."""

import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from .core.errors import WorkshopError

log = logging.getLogger(__name__)

HTTP_ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def bearer() -> str | None:
    """The ``Authorization: Bearer`` token of the request, or None (the service says what it needs)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def http_error_body(error: HTTPException):
    code = HTTP_ERROR_CODES.get(error.code, "bad_request")
    return jsonify({"error": code, "message": error.description}), error.code


def json_errors(blueprint: Blueprint) -> Blueprint:
    """Make a blueprint answer every error as JSON; unexpected ones are logged, never detailed."""

    @blueprint.errorhandler(WorkshopError)
    def workshop_error(error: WorkshopError):
        return jsonify(error.as_dict()), error.http_status

    @blueprint.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return http_error_body(error)

    @blueprint.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error in %s %s", request.method, request.path)
        message = "something went wrong on the server; it has been logged"
        return jsonify({"error": "internal", "message": message}), 500

    return blueprint
