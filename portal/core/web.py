"""Request-level behaviour: security headers, request logging, error pages."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Flask, Response, abort, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream

from portal.core.text_input import has_control_characters
from portal.extensions import db

request_log = logging.getLogger("portal.requests")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

ERROR_CODES = (400, 403, 404, 405, 413, 429, 500)
# An oversized body is read and thrown away up to this size so that the client gets the
# 413 page: a server that closes a socket with unread data makes the client show
# "connection reset" instead. Anything larger is cut off (that costs the sender more).
DISCARD_BODY_LIMIT = 64 * 1024 * 1024


def init_web(app: Flask) -> None:
    app.before_request(_start_timer)
    app.before_request(_refuse_control_characters_in_the_address)
    app.after_request(_add_security_headers)
    app.after_request(_log_request)
    for code in ERROR_CODES:
        app.register_error_handler(code, _render_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _refuse_control_characters_in_the_address() -> None:
    """400 for a path or query string holding NUL or another control character.

    Forms are checked field by field (with a message beside the field); the address is
    read by every view, searches and filters included, so it is checked once here, before
    such text can reach a database that refuses it (PostgreSQL refuses NUL in text).
    """
    if has_control_characters(request.path) or any(
        has_control_characters(text, multiline=True)
        for pair in request.args.items(multi=True)
        for text in pair
    ):
        abort(400)


def _add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["PORTAL"].is_production:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages may show personal data: never keep them in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _log_request(response: Response) -> Response:
    # Endpoint names only: paths can hold tokens and query strings can hold emails.
    started = g.get("request_started")
    request_log.info(
        json.dumps(
            {
                "event": "request",
                "method": request.method,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            }
        )
    )
    return response


def _render_error(error: Exception) -> Any:
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if code == 500:
        db.session.rollback()
    template = f"errors/{code if code in ERROR_CODES else 400}.html"
    return render_template(template, code=code), code


def _handle_too_large(error: RequestEntityTooLarge) -> Any:
    """The translated 413 page, delivered: read the unread body first, then close."""
    _discard_request_body()
    response = current_app.make_response(_render_error(error))
    response.headers["Connection"] = "close"
    return response


def _discard_request_body() -> None:
    length = request.content_length
    if length is None or length > DISCARD_BODY_LIMIT:
        return
    # Werkzeug refuses a too long Content-Length before reading anything; when the form
    # parser stopped half-way instead, the request's own stream knows what is left.
    stream = request.__dict__.get("stream")
    if not isinstance(stream, LimitedStream):
        stream = LimitedStream(request.environ["wsgi.input"], length)
    try:
        while stream.read(64 * 1024):
            pass
    except (OSError, HTTPException):
        return


def _handle_csrf_error(error: CSRFError) -> Any:
    """Show the form again with what was typed and a translated error, instead of a bare 400.

    The view is dispatched once more: its form validation fails on the same token, so the
    view renders its own form with the input kept. Nothing is changed.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return _render_error(error)
    g.csrf_failed = True
    try:
        result = current_app.ensure_sync(view)(**(request.view_args or {}))
    except HTTPException as denied:  # e.g. 403 or 404 raised by the view itself
        return _render_error(denied)
    response = current_app.make_response(result)
    if response.status_code == 200:
        response.status_code = 400
    return response
