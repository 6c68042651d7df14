"""Walk every route with every role and check it against the permission matrix."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal.core.permissions import AUTHENTICATED, PERMISSIONS, PUBLIC, Role
from tests.conftest import sign_in

ANONYMOUS = None
ROLES: list[Role | None] = [ANONYMOUS, *Role]


def _dummy_value(converter: Any) -> Any:
    name = type(converter).__name__
    if name == "IntegerConverter":
        return 987654
    if name == "PathConverter":
        return "no/such/path"
    return "no-such-value"


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, with placeholder values for arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: _dummy_value(rule._converters[arg]) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_every_view_declares_its_access(app: Flask) -> None:
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "access", None) is None
    ]
    assert undeclared == [], "views without @public/@login_required/@permission_required"
    unknown = {getattr(view, "access", None) for view in app.view_functions.values()} - {
        None,
        PUBLIC,
        AUTHENTICATED,
        *PERMISSIONS,
    }
    assert unknown == set()


def _expected(access: str, role: Role | None) -> str:
    if access == PUBLIC:
        return "allow"
    if role is None:
        return "login"
    if access == AUTHENTICATED:
        return "allow"
    return "allow" if role in PERMISSIONS[access] else "deny"


def test_route_role_matrix(app: Flask, create_user: Any) -> None:
    """Every route answers each role as the matrix in ``portal.core.permissions`` says."""
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role is not None:
            sign_in(client, create_user(role))
        clients[role] = client
    mismatches = []
    checked = 0
    for endpoint, method, url in routes(app):
        access = app.view_functions[endpoint].access
        for role, client in clients.items():
            response = client.open(url, method=method)
            checked += 1
            status = response.status_code
            location = response.headers.get("Location", "")
            if status >= 500:
                mismatches.append(f"{method} {url} as {role}: {status}")
                continue
            expected = _expected(access, role)
            is_login_redirect = status in (301, 302, 303) and "/login" in location
            actual = "deny" if status == 403 else "login" if is_login_redirect else "allow"
            if endpoint == "accounts.login":
                actual = "allow" if status != 403 else "deny"
            if actual != expected:
                mismatches.append(f"{method} {url} as {role}: expected {expected}, got {status}")
    assert checked > 50
    assert mismatches == []


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_every_permission_has_holders(permission: str) -> None:
    assert PERMISSIONS[permission], f"{permission} is held by nobody"
