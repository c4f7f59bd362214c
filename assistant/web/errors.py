"""One error shape: ``{"error": {"code", "message"}}`` for the API, a helpful page for people."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from assistant.errors import PairError

log = logging.getLogger(__name__)
_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    410: "gone",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    431: "headers_too_large",
    501: "not_implemented",
}
# Errors the WSGI server answers itself, before a request reaches the app.
SERVER_MESSAGES = {
    400: "The request is malformed (its request line, a header or its length).",
    413: "The request is larger than this service accepts.",
    431: "The request's address or headers are longer than this service accepts.",
    501: "The request uses a transfer encoding this service does not support.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(PairError, _pair_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/admin/api/")) or request.path == "/healthz"


def error_response(status: int, code: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status
    return render_template("errors/error.html", status=status, message=message), status


def standalone_error(app: Flask, status: int, path: str) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body for an error the server found before the app saw the request.

    Rendered by the app for a stand-in GET of ``path`` (or of ``/`` when the path is not
    safe to reuse), so it has the API's JSON shape or the error page, and the app's
    security headers.
    """
    message = SERVER_MESSAGES.get(status, "Something went wrong on our side.")
    where = "/api/" if path.startswith("/api/") or path == "/healthz" else "/"
    with app.test_request_context(where, method="GET"):
        response = app.make_response(error_response(status, _CODES.get(status, "error"), message))
        response = app.process_response(response)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return headers, response.get_data()


def _pair_error(exc: PairError) -> tuple[Response | str, int]:
    if exc.status >= 500:
        log.error("%s: %s", type(exc).__name__, exc.message)
    return error_response(exc.status, exc.code, exc.message)


def _http_error(exc: HTTPException) -> tuple[Response | str, int]:
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 413:
        message = "The request is larger than this service accepts."
    elif status == 404 and not wants_json():
        message = ""  # the page says it in our own words
    elif status == 404:
        message = "There is nothing at this address."
    return error_response(status, _CODES.get(status, "error"), message)


def _unexpected(exc: Exception) -> tuple[Response | str, int]:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side.")
