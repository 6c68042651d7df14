"""The base form refuses what no field can store: file parts, control characters, overflow."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from portal.core.forms import Form, safe_input
from tests.conftest import csrf_token


def _register_data(client: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "name": "Aino Asukas",
        "email": "aino@example.org",
        "password": "correct horse battery staple",
        "password_again": "correct horse battery staple",
        "locale": "fi",
        "accept_privacy": "y",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("url", ["/login", "/register"])
def test_file_part_in_text_field_is_a_field_error(client: Any, url: str) -> None:
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Aino Asukas",
            "email": (io.BytesIO(b"aino@example.org"), "email.txt"),
            "password": "x",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert "a file cannot be sent in it" in page or "tiedostoa ei voi" in page
    if url == "/register":
        assert 'value="Aino Asukas"' in page


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused_with_input_kept(
    client: Any, db: Any, character: str
) -> None:
    response = client.post("/register", data=_register_data(client, name=f"Aino{character}Asukas"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "ohjausmerkit" in page or "control characters" in page
    assert 'value="aino@example.org"' in page
    from portal.accounts.models import User

    assert db.session.query(User).count() == 0


class _Probe(Form):
    class Meta:
        csrf = False

    title = StringField(validators=[Optional()])
    body = TextAreaField(validators=[Optional()])
    count = IntegerField(validators=[Optional()])
    bounded = IntegerField(validators=[Optional(), NumberRange(min=0, max=10**12)])


def _probe(app: Flask, **values: str) -> _Probe:
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/", method="POST", data=values):
        form = _Probe(formdata=MultiDict(values))
        form.validate()
        return form


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(codec="utf-8"), max_size=12))
def test_control_characters_rule(app: Flask, text: str) -> None:
    """Independent statement of the rule: C0/C1 controls and DEL are refused; tab and line
    breaks only in multi-line text."""
    line_ok = not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
    area_ok = not any((ord(c) < 32 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F for c in text)
    form = _probe(app, title=text, body=text)
    assert (not form.title.errors) == line_ok
    assert (not form.body.errors) == area_ok


@settings(max_examples=60, deadline=None)
@given(number=st.integers(min_value=-(2**70), max_value=2**70))
def test_integers_get_a_default_range(app: Flask, number: int) -> None:
    form = _probe(app, count=str(number), bounded=str(number))
    assert (not form.count.errors) == (-(2**31) < number < 2**31)
    assert (not form.bounded.errors) == (0 <= number <= 10**12)


def test_safe_input_runs_before_every_other_validator(app: Flask) -> None:
    form = _probe(app)
    assert all(field.validators[0] is safe_input for field in form)


TEMPLATE_GETTEXT = re.compile(r"""\b_\(\s*(['"])((?:(?!\1).)*)\1\s*\)""")


def test_template_messages_survive_jinja_formatting() -> None:
    """Jinja formats every ``_()`` result with ``%``: a bare ``%`` in a msgid is a 500."""
    broken = []
    for path in sorted(Path("templates").rglob("*.html")):
        for match in TEMPLATE_GETTEXT.finditer(path.read_text(encoding="utf-8")):
            try:
                match.group(2) % {}
            except (ValueError, TypeError, KeyError):
                broken.append(f"{path}: {match.group(2)[:40]!r}")
    assert broken == []


@pytest.mark.parametrize("role", [None, "coordinator", "admin"])
def test_control_characters_in_the_address_are_a_bad_request_on_every_page(
    app: Flask, client: Any, login_as: Any, role: str | None
) -> None:
    """Every GET route, with NUL in a search, a filter and a path segment: 400, never 500."""
    browser = login_as(role) if role else client
    samples = {"int": "1", "default": "a%00b", "string": "a%00b", "path": "a%00b"}
    pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = rule.rule
        for argument, converter in rule._converters.items():
            name = type(converter).__name__.removesuffix("Converter").lower()
            path = re.sub(rf"<(?:[^:>]+:)?{argument}>", samples.get(name, "1"), path)
        for query in ("?q=%00", "?lang=fi&status=x%00y&page=%01"):
            response = browser.get(path + query)
            assert response.status_code == 400, (path + query, response.status_code)
        if "%00" in path:
            assert browser.get(path).status_code == 400, path
        pages += 1
    assert pages > 100
