"""Asking for a pool sign-in link takes as long for a member as for anyone else."""

from __future__ import annotations

from typing import Any

from tests.accounts.test_timing import assert_similar, median_times, queued_app

__all__ = ["queued_app"]


def test_a_sign_in_link_request_does_not_reveal_members(queued_app: Any, make_member: Any) -> None:
    make_member(email="member@example.fi")
    known, unknown = median_times(
        queued_app.test_client(),
        "/pool/login",
        lambda address, n: {"email": address},
        "member@example.fi",
    )
    assert_similar(known, unknown)
