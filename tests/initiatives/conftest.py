"""Factories for initiatives in a given state."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from portal.initiatives import services

LINK = re.compile(r"http://localhost(/\S+)")


def link_in(text: str, fragment: str = "") -> str:
    """The first portal link in ``text`` whose path contains ``fragment``."""
    for match in LINK.finditer(text):
        if fragment in match.group(1):
            return match.group(1)
    raise AssertionError(f"no link containing {fragment!r} in message")


@pytest.fixture
def small_rule(db: Any, create_user: Callable[..., Any]) -> Any:
    """This year's rule with 100 residents entitled to vote: 2 supports reach 2 %."""
    admin = create_user("admin")
    return services.save_settings(
        actor=admin,
        year=date.today().year,
        support_share=Decimal("0.02"),
        eligible_voters=100,
        handling_months=6,
        collection_months=6,
    )


@pytest.fixture
def make_initiative(db: Any, create_user: Callable[..., Any]) -> Callable[..., Any]:
    """``make_initiative("collecting", author=user)`` walks a new initiative to that state."""

    def make(state: str = "draft", *, author: Any = None, title: str | None = None) -> Any:
        author = author or create_user("resident")
        coordinator = create_user("coordinator")
        initiative = services.create_initiative(
            actor=author,
            title=title or "Iltavastaanotto Kangasalan terveysasemalle",
            proposal="Terveysasemalle avataan iltavastaanotto kahtena iltana viikossa.",
            justification="Työssäkäyvät eivät pääse vastaanotolle virka-aikana.",
            public_name="Maija M.",
        )
        if state == "draft":
            return initiative
        services.send_for_check(actor=author, initiative=initiative)
        if state == "checking":
            return initiative
        if state == "returned":
            return services.return_initiative(
                actor=coordinator, initiative=initiative, reason="Tarkenna ehdotusta."
            )
        services.publish_initiative(actor=coordinator, initiative=initiative)
        if state == "collecting":
            return initiative
        services.submit_initiative(actor=author, initiative=initiative)
        if state == "submitted":
            return initiative
        services.assign_initiative(
            actor=coordinator, initiative=initiative, assigned_to="Aluehallitus"
        )
        if state == "in_processing":
            return initiative
        raise ValueError(state)

    return make
