"""A demo conversation with two opinion camps, so the participation and report pages show
something real: residents' experience of digital health and social services."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import numpy as np
from sqlalchemy import select

from portal.accounts.models import User
from portal.deliberation.models import Conversation, ConversationStatus, Participant, Statement
from portal.deliberation.services import (
    ConversationFields,
    cast_vote,
    create_conversation,
    recompute_now,
)
from portal.extensions import db

DEMO_TOPIC = "Asukkaiden kokemukset asiakaslähtöisistä digitaalisista palveluista"

SEEDS = [
    "Sähköinen ajanvaraus on minulle helpompi kuin puhelimessa jonottaminen.",
    "Palvelut pitää saada yhtä hyvin myös ilman älypuhelinta tai tietokonetta.",
    "Chat-palvelussa saan apua nopeammin kuin terveysasemalla.",
    "Digitaalisten palvelujen kieli on usein liian vaikeaa.",
    "Haluaisin hoitaa asiani ruotsiksi myös verkossa.",
    "Etävastaanotto säästää minulta matka-aikaa ja -kuluja.",
    "Kasvokkain tapaaminen on minulle tärkeämpää kuin nopeus.",
    "Omaisen pitäisi voida asioida läheisensä puolesta verkossa.",
    "Viestiin pitäisi saada vastaus samana päivänä.",
    "Ikäihmisille tarvitaan enemmän opastusta digitaalisiin palveluihin.",
    "Tietosuoja huolettaa minua, kun asioin verkossa.",
    "Verkkopalvelut toimivat hyvin myös ruudunlukijalla.",
]


def seed_deliberation() -> Iterable[str]:
    if db.session.scalars(select(Conversation).where(Conversation.topic_fi == DEMO_TOPIC)).first():
        return ["Demo conversation exists already; nothing added."]
    coordinator = db.session.scalars(
        select(User).where(User.email == "koordinaattori@demo.osallistu.fi")
    ).first()
    if coordinator is None:
        return ["No demo coordinator; demo conversation skipped."]
    conversation = create_conversation(
        actor=coordinator,
        fields=ConversationFields(
            topic_fi=DEMO_TOPIC,
            topic_sv="Invånarnas erfarenheter av kundorienterade digitala tjänster",
            topic_en="Residents' experience of customer-oriented digital services",
            description_fi="Kerro, miten digitaaliset sote-palvelut toimivat sinulle.",
            description_sv="Berätta hur de digitala social- och hälsotjänsterna fungerar för dig.",
            description_en="Tell us how digital health and social services work for you.",
            languages=("fi", "sv", "en"),
        ),
        seed_statements=SEEDS,
    )
    conversation.status = ConversationStatus.OPEN
    db.session.commit()
    statements = list(
        db.session.scalars(
            select(Statement.id)
            .where(Statement.conversation_id == conversation.id)
            .order_by(Statement.id)
        )
    )
    rng = np.random.default_rng(7)
    # Two camps: digital-first residents and those who need other channels.
    leaning = np.where(rng.random(len(statements)) < 0.5, 1, -1)
    for person in range(60):
        camp = 1 if person % 2 else -1
        key = secrets.token_urlsafe(16)
        for j, statement_id in enumerate(statements):
            if rng.random() < 0.2:
                continue
            value = int(camp * leaning[j]) if rng.random() < 0.85 else int(-camp * leaning[j])
            cast_vote(
                conversation_id=conversation.id, statement_id=statement_id, value=value, key=key
            )
    recompute_now(conversation.id, force=True)
    count = db.session.scalar(
        select(Participant.id).where(Participant.conversation_id == conversation.id).limit(1)
    )
    return [f"Demo conversation {conversation.id} with votes (first participant {count})."]
