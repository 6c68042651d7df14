"""Factories for deliberation tests."""

from __future__ import annotations

import secrets
from typing import Any

from portal.deliberation import services
from portal.deliberation.models import Conversation, ConversationStatus, Statement
from portal.extensions import db

SEEDS = [
    "Sähköinen ajanvaraus on helpompi kuin puhelinjono.",
    "Palvelut pitää saada myös ilman älypuhelinta.",
    "Chat-palvelussa saan apua nopeasti.",
    "Digipalvelujen kieli on liian vaikeaa.",
    "Haluan asioida ruotsiksi myös verkossa.",
    "Etävastaanotto säästää matka-aikaa.",
    "Kasvokkain tapaaminen on tärkeämpää kuin nopeus.",
    "Omaisen pitää voida asioida läheisen puolesta.",
    "Viestiin pitää saada vastaus samana päivänä.",
    "Ikäihmiset tarvitsevat enemmän opastusta.",
    "Tietosuoja huolettaa verkossa asioidessa.",
    "Verkkopalvelut toimivat ruudunlukijalla.",
]


def make_conversation(
    coordinator: Any,
    *,
    seeds: list[str] | None = None,
    status: str = ConversationStatus.OPEN,
    **fields: Any,
) -> Conversation:
    values = {"topic_fi": "Digitaaliset palvelut", "topic_sv": "Digitala tjänster", **fields}
    conversation = services.create_conversation(
        actor=coordinator,
        fields=services.ConversationFields(languages=("fi", "sv"), **values),
        seed_statements=SEEDS if seeds is None else seeds,
    )
    if status != ConversationStatus.DRAFT:
        services.change_status(
            actor=coordinator, conversation=conversation, status=ConversationStatus.OPEN
        )
    if status in (ConversationStatus.CLOSED, ConversationStatus.REPORTED):
        services.change_status(
            actor=coordinator, conversation=conversation, status=ConversationStatus.CLOSED
        )
    return conversation


def statement_ids(conversation: Conversation) -> list[int]:
    return [s.id for s in services.statements_of(conversation)]


def vote_in_camps(conversation: Conversation, people: int = 40) -> list[str]:
    """Two clear camps of anonymous voters; returns their browser keys."""
    ids = statement_ids(conversation)
    keys = []
    for person in range(people):
        key = secrets.token_urlsafe(12)
        keys.append(key)
        camp = 1 if person % 2 else -1
        for j, sid in enumerate(ids):
            value = camp if j % 2 else -camp
            services.cast_vote(
                conversation_id=conversation.id, statement_id=sid, value=value, key=key
            )
    return keys


def get_statement(statement_id: int) -> Statement:
    return db.session.get(Statement, statement_id)
