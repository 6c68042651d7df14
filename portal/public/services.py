"""What the public pages show and the accessibility feedback they accept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core.db import utcnow
from portal.core.mail import queue_mail
from portal.councils import services as council_services
from portal.deliberation import services as deliberation_services
from portal.extensions import db
from portal.initiatives import services as initiative_services
from portal.initiatives.models import InitiativeState
from portal.panels import services as panel_services


@dataclass(frozen=True, slots=True)
class Opportunity:
    """One thing a resident can do now, with where to do it and until when."""

    kind: str  # discussion | initiative | panel | council | pool
    title: str
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)
    deadline: date | None = None
    lang: str | None = None  # the language of ``title`` when it differs from the page


def open_activities(*, locale: str, limit: int = 12) -> list[Opportunity]:
    """What residents can take part in right now, the nearest deadline first.

    Open discussions, initiatives still collecting supports, panels gathering candidates
    and councils taking applications, then the resident pool, which is always open.
    Four queries whatever the amount of data (one per domain).
    """
    today = utcnow().date()
    found = [
        *_open_discussions(locale),
        *_collecting_initiatives(today),
        *_recruiting_panels(),
        *_recruiting_councils(locale),
    ]
    # Dated items first (soonest deadline), then the rest in the order found.
    found.sort(key=lambda item: (item.deadline is None, item.deadline or today))
    return found[:limit]


def _open_discussions(locale: str) -> Iterator[Opportunity]:
    for conversation in deliberation_services.list_conversations(public_only=True):
        if not deliberation_services.is_open(conversation):
            continue
        shown_in = conversation.topic_language(locale)
        yield Opportunity(
            kind="discussion",
            title=conversation.topic(locale),
            endpoint="deliberation.participate",
            values={"conversation_id": conversation.id},
            deadline=conversation.ends_at.date() if conversation.ends_at else None,
            lang=shown_in if shown_in != locale else None,
        )


def _collecting_initiatives(today: date) -> Iterator[Opportunity]:
    collecting = initiative_services.public_initiatives(state=str(InitiativeState.COLLECTING))
    for initiative in db.session.scalars(collecting):
        if initiative.collection_ends_on and initiative.collection_ends_on < today:
            continue
        yield Opportunity(
            kind="initiative",
            title=initiative.title,
            endpoint="initiatives.show_initiative",
            values={"initiative_id": initiative.id},
            deadline=initiative.collection_ends_on,
        )


def _recruiting_panels() -> Iterator[Opportunity]:
    for panel in panel_services.recruiting_panels():
        yield Opportunity(
            kind="panel",
            title=panel.question,
            endpoint="panels.show_panel",
            values={"panel_id": panel.id},
        )


def _recruiting_councils(locale: str) -> Iterator[Opportunity]:
    for council in council_services.recruiting_councils():
        swedish = locale == "sv" and bool(council.name_sv)
        yield Opportunity(
            kind="council",
            title=council.name_sv if swedish else council.name_fi,
            endpoint="councils.apply",
            values={"council_id": council.id},
            lang=None if swedish or locale == "fi" else "fi",
        )


def send_accessibility_feedback(*, page: str, description: str, email: str | None) -> None:
    """Forward feedback to the county's accessibility contact (answered within 14 days)."""
    settings = current_app.config["PORTAL"]
    queue_mail(
        to=settings.feedback_email,
        subject=_l("Accessibility feedback"),
        template="emails/accessibility_feedback",
        locale="fi",
        page=page,
        description=description,
        reply_to=email,
    )
    db.session.commit()
