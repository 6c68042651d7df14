"""The time of an answer does not reveal whether an address has an account.

Each test interleaves requests for a known and an unknown address (so both see the same
machine load) and compares the medians. Before the fix the gaps were a factor of about
ten (registration) and two to five (password reset, pool sign-in link); the bound below
leaves room for a busy machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from portal.app import create_app
from tests.conftest import TEST_PASSWORD, csrf_token
from tests.core.worker_support import own_queue_configuration

ROUNDS = 20
WARM_UP = 3
MAX_RATIO = 1.8


@pytest.fixture
def queued_app(app: Any, db: Any, tmp_path: Any) -> Iterator[Any]:
    """The portal with a real background queue (as in production), not immediate tasks."""
    with own_queue_configuration():
        queued = create_app(
            replace(
                app.config["PORTAL"],
                tasks_immediate=False,
                task_queue_path=str(tmp_path / "tasks.sqlite3"),
            )
        )
        yield queued
        queued.extensions["portal.db"].engine.dispose()


def median_times(
    client: Any, path: str, form_for: Callable[[str, int], dict[str, str]], known: str
) -> tuple[float, float]:
    """Median seconds of POSTs to ``path`` for the ``known`` and for new unknown addresses."""
    token = csrf_token(client, path)
    samples: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(WARM_UP + ROUNDS):
        for kind in ("known", "unknown"):
            address = known if kind == "known" else f"nobody{n}@example.fi"
            started = time.perf_counter()
            response = client.post(
                path,
                data={"csrf_token": token, **form_for(address, n)},
                # a new client address each time keeps the hourly per-address limit away
                environ_base={"REMOTE_ADDR": f"198.51.{n % 200}.{1 if kind == 'known' else 2}"},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
            if n >= WARM_UP:
                samples[kind].append(elapsed)
    return statistics.median(samples["known"]), statistics.median(samples["unknown"])


def assert_similar(known: float, unknown: float) -> None:
    ratio = max(known, unknown) / min(known, unknown)
    assert ratio < MAX_RATIO, f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms"


def test_registration_takes_as_long_for_a_taken_address(queued_app: Any, create_user: Any) -> None:
    create_user(email="taken@example.fi")

    def form(address: str, n: int) -> dict[str, str]:
        return {
            "name": "Maija Meikäläinen",
            "email": address,
            "password": TEST_PASSWORD,
            "password_again": TEST_PASSWORD,
            "locale": "fi",
            "accept_privacy": "y",
        }

    known, unknown = median_times(queued_app.test_client(), "/register", form, "taken@example.fi")
    assert_similar(known, unknown)


def test_a_reset_request_takes_as_long_for_an_unknown_address(
    queued_app: Any, create_user: Any
) -> None:
    create_user(email="known@example.fi")
    known, unknown = median_times(
        queued_app.test_client(),
        "/password/forgot",
        lambda address, n: {"email": address},
        "known@example.fi",
    )
    assert_similar(known, unknown)
