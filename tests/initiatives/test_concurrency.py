"""Two people (or two tabs) racing: one address still counts once (PostgreSQL only)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db as portal_db
from portal.initiatives import services
from portal.initiatives.models import Support
from tests.conftest import body_text
from tests.initiatives.conftest import link_in


def _race(app: Flask, work: list[Any]) -> list[BaseException]:
    """Run each callable in its own thread and application context, released together."""
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                job()
            except services.InitiativeError:
                pass  # losing a race with a clean domain error is fine
            except BaseException as error:
                errors.append(error)
            finally:
                portal_db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_racing_supports_and_confirmations_count_once(
    app: Flask, backend: str, make_initiative: Any, mailbox: Any, db: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions")
    initiative = make_initiative("collecting")
    initiative_id = initiative.id

    def request(address: str) -> Any:
        def job() -> None:
            target = portal_db.session.get(type(initiative), initiative_id)
            with app.test_request_context():
                services.request_support(
                    initiative=target,
                    name="Samanaikainen Tukija",
                    email=address,
                    municipality=None,
                    notify_decision=False,
                    locale="fi",
                )

        return job

    # two submissions of the same address (different spelling) at the same moment
    errors = _race(app, [request("racer@example.fi"), request(" RACER@example.fi")])
    assert errors == []
    assert db.session.scalar(select(func.count(Support.id))) == 1
    links = [
        link_in(body_text(message), "/initiatives/support/")
        for message in mailbox.wait_for("racer@example.fi", 2)
    ]
    assert len(set(links)) == 2

    # both confirmation links opened at the same moment, each one twice
    secrets = [link.rsplit("/", 1)[1] for link in links] * 2
    confirmations = [
        lambda secret=secret: services.confirm_support(secret=secret) for secret in secrets
    ]
    errors = _race(app, confirmations)
    assert errors == []
    db.session.expire_all()
    assert services.support_count(db.session.get(type(initiative), initiative_id)) == 1
    counted = mailbox.wait_for("racer@example.fi", 3)
    assert sum("laskettu" in str(m["Subject"]) for m in counted) == 1
