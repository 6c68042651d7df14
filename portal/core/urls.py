"""URL helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next_url(target: str | None, *, fallback: str) -> str:
    """Only same-site relative paths may be redirected to (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for mail, built the same way in requests, CLI commands and jobs.

    Links point at ``PORTAL_BASE_URL`` (the public address), never at whatever host a
    request happened to arrive on; outside a request the URL map is bound directly.
    """
    base = current_app.config["PORTAL"].base_url.rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    return base + current_app.url_map.bind("localhost").build(endpoint, values)
