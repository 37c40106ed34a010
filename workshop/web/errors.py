"""One set of error handlers for the whole app: JSON under ``/api/``, a friendly page elsewhere.

JSON errors are ``{"error": code, "message": text}`` with the error's HTTP status. A refused
request changes nothing; an unexpected failure is logged with its traceback and answered as
``internal`` without any detail.
"""

import logging
from html import escape

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

from ..core.errors import BadRequest, WorkshopError

log = logging.getLogger(__name__)

HTTP_ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 414: "too_large", 429: "rate_limited", 431: "too_large",
    503: "unavailable",
}  # fmt: skip
INTERNAL_MESSAGE = "something went wrong on the server; it has been logged"
PAGE_MESSAGES = {
    404: (
        "Nothing here",
        "There is no page at this address. If you were given a session code, enter it on the start page.",
    ),
    405: ("Not allowed", "This address only shows a page; it cannot be sent a form or data."),
}


def bearer() -> str | None:
    """The ``Authorization: Bearer`` token of the request, or None (the service says what it needs)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def json_body() -> dict:
    """The request's JSON object; a clear 400 for anything else (no body, not JSON, nested so deep
    that parsing it would exhaust the stack)."""
    if not request.is_json:
        raise BadRequest("send a JSON body with Content-Type: application/json")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    if data is None:
        raise BadRequest("the body is not valid JSON")
    return data


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json(code: str, message: str, status: int):
    return jsonify({"error": code, "message": message}), status


def _page(status: int, message: str | None = None):
    title, text = PAGE_MESSAGES.get(status, ("Something went wrong", message or INTERNAL_MESSAGE))
    return render_template("error.html", status=status, title=title, message=text), status


def _wrong_host():
    """The answer to a ``Host`` the server does not serve: no page template (it builds URLs from
    the very host that was refused), just where to go instead."""
    public = current_app.config.get("PUBLIC_URL") or ""
    message = f"this server does not answer to that host name; open {public}"
    if wants_json():
        return _json("bad_request", message, 400)
    body = f"<!doctype html><title>Wrong address</title><p>This server does not answer to that host name. Open {escape(public)}</p>"
    return body, 400, {"Content-Type": "text/html; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WorkshopError)
    def workshop_error(error: WorkshopError):
        if wants_json():
            return _json(error.code, error.message, error.http_status)
        return _page(error.http_status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if isinstance(error, SecurityError):  # a Host header the server does not answer to
            return _wrong_host()
        if wants_json():
            return _json(HTTP_ERROR_CODES.get(status, "bad_request"), error.description, status)
        return _page(status, error.description)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error in %s %s", request.method, request.path)
        if wants_json():
            return _json("internal", INTERNAL_MESSAGE, 500)
        return _page(500)
