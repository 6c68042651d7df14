"""Every form of every role survives hostile input: no 500, input kept, markup escaped.

The demo data is seeded once, then each role's pages are crawled from every route without
arguments, following the links on the pages (so object pages get real ids). Every distinct
form found is posted with hostile values, one field at a time: control characters, very
long text, right-to-left text and emoji, markup, numbers that overflow, impossible dates,
a file part where text is expected, a missing field and a repeated field. Payloads are
sampled per field with a fixed seed (``PORTAL_FUZZ_SEED`` to vary it), but every payload
kind is used on every form and every form is posted on every run.
"""

from __future__ import annotations

import io
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
from flask import Flask
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.accounts.models import User
from portal.extensions import limiter
from tests.conftest import sign_in

SEED = int(os.environ.get("PORTAL_FUZZ_SEED", "20261202"))
PAYLOADS_PER_FIELD = 2
MAX_PAGES_PER_ENDPOINT = 2

MISSING = object()
FILE_PART = object()
DUPLICATE = object()
MARKUP = "<script>alert('x')</script>\"&"
RTL_EMOJI = "\u202eשלום עולם مرحبا 👩\u200d👩\u200d👧 🇫🇮"
PAYLOADS: dict[str, Any] = {
    "nul": "ab\x00cd",
    "controls": "x\x01\x08\x1b\x7f\x85y",
    "long": "Pitkä " * 3334,  # 20,004 characters
    "rtl_emoji": RTL_EMOJI,
    "markup": MARKUP,
    "int_overflow": "99999999999999999999999",
    "negative_overflow": "-9223372036854775809",
    "nan": "NaN",
    "invalid_date": "2026-02-30",
    "file_part": FILE_PART,
    "missing": MISSING,
    "duplicate": DUPLICATE,
}
KEPT_PAYLOADS = {"rtl_emoji", "markup"}
TEXT_TYPES = {"text", "email", "search", "tel", "url", "textarea"}
SECRET_WORDS = ("password", "identity_code", "iban", "secret", "token", "code")

DEMO_ACCOUNTS: dict[str | None, str | None] = {
    "anonymous": None,
    "resident": "asukas@demo.osallistu.fi",
    "resident_sv": "invånare@demo.osallistu.fi",
    "staff": "tyontekija@demo.osallistu.fi",
    "expert": "asiantuntija@demo.osallistu.fi",
    "decision_maker": "paattaja@demo.osallistu.fi",
    "finance_approver": "talous@demo.osallistu.fi",
    "coordinator": "koordinaattori@demo.osallistu.fi",
    "admin": "admin@demo.osallistu.fi",
}
# Pages not to open while crawling (they end the session or change state on GET), and
# forms not to post (they end the session or erase the account used for the crawl).
SKIP_ENDPOINTS = {"accounts.logout", "public.set_language", "static"}
SKIP_FORM_ENDPOINTS = {"accounts.logout", "public.set_language", "accounts.erase_account"}


@dataclass
class HtmlForm:
    action: str
    enctype: str
    fields: list[dict[str, Any]] = field(default_factory=list)


class _FormParser(HTMLParser):
    """POST forms of a page with each control's name, type and submitted default value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[HtmlForm] = []
        self.links: list[str] = []
        self._form: HtmlForm | None = None
        self._select: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = HtmlForm(a.get("action", ""), a.get("enctype", ""))
                self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None and self._select["value"] is None:
                self._select["value"] = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in a:
                if kind == "radio" and not any(f["name"] == name for f in self._form.fields):
                    self._form.fields.append({"name": name, "type": kind, "value": a["value"]})
                return
            if kind == "submit" and any(f["name"] == name for f in self._form.fields):
                return
            existing = [f for f in self._form.fields if f["name"] == name]
            if existing and kind == "radio":
                existing[0]["value"] = a.get("value", "")
                return
            self._form.fields.append({"name": name, "type": kind, "value": a.get("value", "")})
        elif tag == "select":
            self._select = {"name": name, "type": "select", "value": None}
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = {"name": name, "type": "textarea", "value": ""}
            self._form.fields.append(self._textarea)
        elif (
            tag == "button"
            and a.get("type", "submit") == "submit"
            and not any(f["name"] == name for f in self._form.fields)
        ):
            self._form.fields.append({"name": name, "type": "submit", "value": a["value"]})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            self._select["value"] = self._select["value"] or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _endpoint(app: Flask, url: str, method: str = "GET") -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlparse(url).path, method=method)
    except RequestRedirect:
        return None
    except HTTPException:
        return None
    return endpoint


def _start_urls(app: Flask) -> list[str]:
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.arguments or "GET" not in (rule.methods or ()):
                continue
            if rule.endpoint in SKIP_ENDPOINTS:
                continue
            urls.append(url_for(rule.endpoint))
    return sorted(urls)


@dataclass
class FoundForm:
    role: str
    page: str
    action: str
    endpoint: str
    form: HtmlForm


def _crawl(app: Flask, client: Any, role: str, seen_forms: set[Any]) -> list[FoundForm]:
    queue = _start_urls(app)
    visited: set[str] = set()
    per_endpoint: Counter[str] = Counter()
    found: list[FoundForm] = []
    while queue:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        endpoint = _endpoint(app, url)
        if endpoint is None or endpoint in SKIP_ENDPOINTS:
            continue
        if per_endpoint[endpoint] >= MAX_PAGES_PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parser = _FormParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target, _fragment = urldefrag(href)
            if target.startswith("/") and not target.startswith("//") and "?" not in target:
                queue.append(target)
        for form in parser.forms:
            action = form.action or url
            action_endpoint = _endpoint(app, action, "POST")
            if action_endpoint is None or action_endpoint in SKIP_FORM_ENDPOINTS:
                continue
            key = (action_endpoint, tuple(sorted(f["name"] for f in form.fields)))
            if key in seen_forms:
                continue
            seen_forms.add(key)
            found.append(FoundForm(role, url, action, action_endpoint, form))
    return found


def _plan(forms: list[FoundForm], rng: random.Random) -> list[tuple[FoundForm, str, str]]:
    """(form, field name, payload kind) posts: every payload kind on every form."""
    plan = []
    kinds = list(PAYLOADS)
    for found in forms:
        names = [f["name"] for f in found.form.fields if f["name"] != "csrf_token"]
        if not names:
            plan.append((found, "csrf_token", "missing"))
            plan.append((found, "csrf_token", "duplicate"))
            continue
        chosen: set[tuple[str, str]] = set()
        shuffled = kinds[:]
        rng.shuffle(shuffled)
        for index, kind in enumerate(shuffled):
            chosen.add((names[index % len(names)], kind))
        for name in names:
            for kind in rng.sample(kinds, PAYLOADS_PER_FIELD):
                chosen.add((name, kind))
        plan.extend((found, name, kind) for name, kind in sorted(chosen))
    return plan


def _post(client: Any, found: FoundForm, name: str, kind: str) -> Any:
    data = MultiDict()
    multipart = "multipart" in found.form.enctype
    for control in found.form.fields:
        if control["type"] == "file":
            multipart = True
            continue
        if control["name"] != name:
            data.add(control["name"], control["value"])
            continue
        payload = PAYLOADS[kind]
        if payload is MISSING:
            continue
        if payload is DUPLICATE:
            data.add(name, control["value"])
            data.add(name, MARKUP)
        elif payload is FILE_PART:
            multipart = True
            data.add(name, (io.BytesIO(b"not text \x00\xff"), "payload.txt"))
        else:
            data.add(name, payload)
    if multipart:
        return client.post(found.action, data=data, content_type="multipart/form-data")
    return client.post(found.action, data=data)


def _is_secret(control: dict[str, Any]) -> bool:
    return control["type"] == "password" or any(w in control["name"] for w in SECRET_WORDS)


@pytest.fixture
def fuzz_app(app: Flask) -> Iterator[Flask]:
    """No rate limits (they would answer with 429 before the form sees the payload), and a
    500 answers as in production instead of raising, so one run lists every failure."""
    limiter.enabled = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        yield app
    finally:
        limiter.enabled = True
        app.config["PROPAGATE_EXCEPTIONS"] = None


def test_every_form_survives_hostile_input(fuzz_app: Flask, db: Any) -> None:
    app = fuzz_app
    from portal.core.demo import seed_demo

    started = time.perf_counter()
    seed_demo()
    db.session.commit()
    clients: dict[str, Any] = {}
    for role, email in DEMO_ACCOUNTS.items():
        client = app.test_client()
        if email is not None:
            user = db.session.query(User).filter_by(email=email).one()
            sign_in(client, user)
        clients[str(role)] = client
    seen: set[Any] = set()
    forms: list[FoundForm] = []
    for role, client in clients.items():
        forms.extend(_crawl(app, client, role, seen))
    crawled = time.perf_counter()
    # Forms that only carry the CSRF token are actions (delete, approve...): post them last
    # so that what they change does not hide the other forms.
    forms.sort(key=lambda f: all(c["name"] == "csrf_token" for c in f.form.fields))
    plan = _plan(forms, random.Random(SEED))
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for found, name, kind in plan:
        response = _post(clients[found.role], found, name, kind)
        statuses[response.status_code] += 1
        where = f"{found.role} {found.action} {name}={kind}"
        if response.status_code >= 500:
            failures.append(f"{where}: {response.status_code}")
            continue
        page = response.get_data(as_text=True)
        if MARKUP in page:
            failures.append(f"{where}: markup echoed unescaped")
        control = next(c for c in found.form.fields if c["name"] == name) if name else None
        if (
            kind in KEPT_PAYLOADS
            and response.status_code in (200, 400)
            and control is not None
            and control["type"] in TEXT_TYPES
            and not _is_secret(control)
            and f'name="{name}"' in page  # the form itself is shown again
            and str(escape(PAYLOADS[kind])) not in page
        ):
            failures.append(f"{where}: input not kept ({response.status_code})")
    fields = sum(len(f.form.fields) for f in forms)
    print(
        f"\nform fuzz (seed {SEED}): {len(forms)} forms, {fields} fields, {len(plan)} posts, "
        f"statuses {dict(sorted(statuses.items()))}, crawl {crawled - started:.0f} s, "
        f"total {time.perf_counter() - started:.0f} s"
    )
    assert len(forms) > 40
    assert failures == []
