"""Every form survives hostile input: no 500, no unescaped markup, input kept."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask

from portal.core.permissions import AUTHENTICATED, PERMISSIONS, PUBLIC, Role
from tests.conftest import sign_in
from tests.core.test_route_matrix import routes

SCRIPT = "<script>alert('x')</script>"
PAYLOADS = ["x" * 10_000, SCRIPT, "-1", "1e309", "2026-13-45", "\u0000", ""]


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "get").lower() == "post":
            self._current = {"action": values.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag in {"input", "select", "textarea"}:
            name = values.get("name")
            if name:
                self._current["fields"][name] = values.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _role_for(access: str) -> Role | None:
    if access in (PUBLIC, AUTHENTICATED):
        return Role.RESIDENT if access == AUTHENTICATED else None
    return sorted(PERMISSIONS[access])[0]


def test_forms_survive_hostile_input(app: Flask, create_user: Any) -> None:
    checked = 0
    failures = []
    for endpoint, method, url in routes(app):
        if method != "GET" or endpoint in {"core.set_language", "accounts.logout"}:
            continue
        role = _role_for(app.view_functions[endpoint].access)
        client = app.test_client()
        if role is not None:
            sign_in(client, create_user(role))
        page = client.get(url)
        if page.status_code != 200 or "text/html" not in page.content_type:
            continue
        parser = _FormFields()
        parser.feed(page.get_data(as_text=True))
        for form in parser.forms:
            target = form["action"] or url
            if target.startswith(("/logout", "/language", "/account/erase")):
                continue
            for payload in PAYLOADS:
                data = {
                    name: (value if name == "csrf_token" else payload)
                    for name, value in form["fields"].items()
                }
                response = client.post(target, data=data)
                checked += 1
                html = response.get_data(as_text=True)
                if response.status_code >= 500:
                    failures.append(f"{target} {payload[:20]!r}: {response.status_code}")
                if SCRIPT in html:
                    failures.append(f"{target}: markup echoed unescaped")
                if payload == SCRIPT and response.status_code == 200 and form["fields"]:
                    escaped = re.escape("&lt;script&gt;")
                    if not re.search(escaped, html) and "alert" in html:
                        failures.append(f"{target}: input not kept escaped")
    assert checked > 20
    assert failures == []
