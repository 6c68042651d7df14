"""Command-line tools: demo data, administrator creation, translation checks."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.permissions import Role
from portal.impact.models import Activity


def test_seed_demo_creates_every_role_once(runner: Any, db: Any) -> None:
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo sign-ins" in first.output
    users = db.session.scalars(select(User)).all()
    assert {role for user in users for role in user.role_set} == set(Role)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == len(users)
    assert db.session.scalar(select(func.count(Activity.id))) >= 1


def test_demo_sign_ins_can_be_printed_again_with_a_new_password(runner: Any, db: Any) -> None:
    from portal.accounts.services import authenticate

    assert "seed-demo first" in runner.invoke(args=["demo-sign-ins"]).output
    seeded = runner.invoke(args=["seed-demo"]).output
    old = re.search(r"password: (\S+)", seeded).group(1)
    again = runner.invoke(args=["demo-sign-ins"])
    assert again.exit_code == 0, again.output
    new = re.search(r"password: (\S+)", again.output).group(1)
    assert new != old
    assert "admin@demo.osallistu.fi" in again.output
    db.session.expire_all()
    assert authenticate(
        email="admin@demo.osallistu.fi", password=new, client_address="127.0.0.1"
    ).email.startswith("admin")


def test_create_admin(runner: Any, db: Any) -> None:
    result = runner.invoke(
        args=["create-admin", "--email", "Root@Example.fi", "--name", "Pääkäyttäjä"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalars(select(User).where(User.email == "root@example.fi")).one()
    assert admin.role_set == {Role.ADMIN} and admin.email_verified_at is not None
    again = runner.invoke(
        args=["create-admin", "--email", "root@example.fi", "--name", "X"],
        input="a long enough password\na long enough password\n",
    )
    assert again.exit_code != 0


def test_translations_check_command(runner: Any) -> None:
    result = runner.invoke(args=["translations", "check"])
    assert result.exit_code == 0, result.output
