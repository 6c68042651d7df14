"""URL helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request, url_for

# Where links point when nothing else is known (a CLI command or job in development).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def link_host(url: str | None) -> str:
    """The host an outbound ``http(s)`` link leads to, shown beside it; "" for any other.

    Links entered by staff are shown with their destination visible, and anything that is
    not a plain web address (``javascript:``, ``data:``...) is never made a link at all.
    """
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return parts.hostname


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
    request happened to arrive on; outside a request the URL map is bound directly. Only a
    development server without ``PORTAL_BASE_URL`` follows the request's own address, so
    ``flask run --port 5001`` mails links that work.
    """
    settings = current_app.config["PORTAL"]
    base = settings.base_url
    if not base:
        follow_request = has_request_context() and not settings.is_production
        base = request.host_url if follow_request else DEVELOPMENT_BASE_URL
    base = base.rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def unique_id(prefix: str) -> str:
    """An element id unique within the page being rendered (``table-1``, ``table-2``…).

    Templates use it where one include or loop renders several labelled regions.
    """
    counters: dict[str, int] = g.setdefault("unique_ids", {})
    counters[prefix] = counters.get(prefix, 0) + 1
    return f"{prefix}-{counters[prefix]}"
