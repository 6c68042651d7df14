"""Conversations, voting rules, moderation and recompute, tested through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.core.models import AuditEntry
from portal.deliberation import results, services
from portal.deliberation.models import (
    Conversation,
    ConversationStatus,
    MathState,
    Participant,
    StatementStatus,
    Vote,
    VoteEvent,
)
from portal.impact.models import Activity, Output, Participation
from tests.deliberation.helpers import make_conversation, statement_ids, vote_in_camps


@pytest.fixture
def coordinator(create_user: Any) -> Any:
    return create_user("coordinator")


def test_normalised_text_ignores_case_spacing_and_punctuation() -> None:
    assert services.normalize_text("  Hyvä   PALVELU!! ") == services.normalize_text("hyvä palvelu")
    assert services.text_hash("Åbo, Turku.") == services.text_hash("åbo turku")
    assert services.text_hash("Åbo") != services.text_hash("Abo")


def test_create_conversation_with_seeds_registers_activity(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator, status=ConversationStatus.DRAFT)
    statements = services.statements_of(conversation)
    assert len(statements) == 12
    assert all(s.is_seed and s.status == StatementStatus.ACCEPTED for s in statements)
    assert [s.number for s in statements] == list(range(12))
    activity = db.session.scalars(
        select(Activity).where(Activity.source_type == "deliberation_conversation")
    ).one()
    assert activity.kind == "deliberation"
    assert activity.status == "planned"
    assert db.session.scalar(
        select(func.count()).where(AuditEntry.action == "deliberation.conversation_created")
    )


def test_status_transitions_are_enforced(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator, status=ConversationStatus.DRAFT)
    with pytest.raises(services.DeliberationError) as error:
        services.change_status(actor=coordinator, conversation=conversation, status="reported")
    assert error.value.code == "invalid_transition"
    services.change_status(actor=coordinator, conversation=conversation, status="open")
    assert conversation.status == "open"


def test_vote_change_keeps_one_current_vote_and_full_history(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    sid = statement_ids(conversation)[0]
    for value in (1, -1, 0):
        services.cast_vote(conversation_id=conversation.id, statement_id=sid, value=value, key="k1")
    votes = db.session.scalars(select(Vote)).all()
    assert [(v.statement_id, v.value) for v in votes] == [(sid, 0)]
    history = db.session.scalars(select(VoteEvent.value).order_by(VoteEvent.id)).all()
    assert history == [1, -1, 0]
    assert db.session.scalar(select(func.count(Participant.id))) == 1


def test_votes_on_closed_conversations_and_hidden_statements_are_rejected(
    db: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    first, second = statement_ids(conversation)[:2]
    statement = services.statements_of(conversation)[1]
    services.moderate_statement(
        actor=coordinator, statement=statement, status="accepted", hidden=True
    )
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(conversation_id=conversation.id, statement_id=second, value=1, key="k")
    assert error.value.code == "statement_unavailable"
    services.change_status(actor=coordinator, conversation=conversation, status="closed")
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(conversation_id=conversation.id, statement_id=first, value=1, key="k")
    assert error.value.code == "closed"
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_end_time_closes_voting(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator, ends_at=utcnow() + timedelta(hours=1))
    assert services.is_open(conversation)
    assert not services.is_open(conversation, utcnow() + timedelta(hours=2))


def test_statement_of_another_conversation_cannot_be_voted(db: Any, coordinator: Any) -> None:
    one = make_conversation(coordinator)
    other = make_conversation(coordinator, topic_fi="Toinen")
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(
            conversation_id=one.id, statement_id=statement_ids(other)[0], value=1, key="k"
        )
    assert error.value.code == "statement_unavailable"


def test_access_rules(db: Any, coordinator: Any, create_user: Any) -> None:
    conversation = make_conversation(coordinator, access="logged_in")
    sid = statement_ids(conversation)[0]
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(conversation_id=conversation.id, statement_id=sid, value=1, key="k")
    assert error.value.code == "login_required"
    resident = create_user("resident")
    services.cast_vote(
        conversation_id=conversation.id, statement_id=sid, value=1, user=resident, key=None
    )
    pool = make_conversation(coordinator, topic_fi="Pooli", access="pool")
    staff = create_user("staff")
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(
            conversation_id=pool.id,
            statement_id=statement_ids(pool)[0],
            value=1,
            user=staff,
            key=None,
        )
    assert error.value.code == "pool_only"


@pytest.mark.parametrize("pool_status", [None, "pending", "left", "active", "paused"])
def test_pool_only_discussion_is_open_only_to_pool_members(
    db: Any, coordinator: Any, create_user: Any, pool_status: str | None
) -> None:
    """A signed-in resident takes part only while they belong to the resident pool."""
    from portal.pool.models import PoolMember

    pool = make_conversation(coordinator, topic_fi="Pooli", access="pool")
    resident = create_user("resident")
    if pool_status is not None:
        db.session.add(PoolMember(user_id=resident.id, status=pool_status, consent_version="1"))
        db.session.commit()
    belongs = pool_status in ("active", "paused")
    assert services.is_pool_member(resident) is belongs
    assert services.access_problem(pool, resident) == (None if belongs else "pool_only")
    vote = {
        "conversation_id": pool.id,
        "statement_id": statement_ids(pool)[0],
        "value": 1,
        "user": resident,
        "key": None,
    }
    if belongs:
        services.cast_vote(**vote)
        assert db.session.scalar(select(func.count(Vote.id))) == 1
    else:
        with pytest.raises(services.DeliberationError) as error:
            services.cast_vote(**vote)
        assert error.value.code == "pool_only"
        assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_anonymous_votes_follow_the_account_after_sign_in(
    db: Any, coordinator: Any, create_user: Any
) -> None:
    conversation = make_conversation(coordinator)
    first, second = statement_ids(conversation)[:2]
    services.cast_vote(conversation_id=conversation.id, statement_id=first, value=1, key="browser")
    resident = create_user("resident")
    services.cast_vote(
        conversation_id=conversation.id, statement_id=second, value=-1, user=resident, key="browser"
    )
    participant = services.find_participant(conversation_id=conversation.id, user=resident)
    assert participant is not None
    assert {s.id for s, _v in services.my_votes(participant)} == {first, second}
    # From another device the same account is the same participant.
    again = services.find_participant(conversation_id=conversation.id, user=resident, key="phone")
    assert again.id == participant.id


def test_submitted_statements_length_and_duplicates(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator, moderation="pre")
    statement = services.submit_statement(
        conversation=conversation, text="Palvelusetelit  kaikille!", language="fi", key="k"
    )
    assert statement.status == StatementStatus.PENDING
    assert statement.number == 12
    assert statement.author is not None
    with pytest.raises(services.DeliberationError) as error:
        services.submit_statement(
            conversation=conversation, text="palvelusetelit kaikille", language="fi", key="x"
        )
    assert error.value.code == "duplicate_statement"
    with pytest.raises(services.DeliberationError) as error:
        services.submit_statement(conversation=conversation, text="x" * 281, language="fi", key="k")
    assert error.value.code == "statement_too_long"
    # Pre-moderated: not shown (nor votable) until accepted.
    with pytest.raises(services.DeliberationError):
        services.cast_vote(
            conversation_id=conversation.id, statement_id=statement.id, value=1, key="z"
        )
    services.moderate_statement(actor=coordinator, statement=statement, status="accepted")
    services.cast_vote(conversation_id=conversation.id, statement_id=statement.id, value=1, key="z")


def test_rejecting_needs_a_reason_and_is_audited(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    statement = services.submit_statement(
        conversation=conversation, text="Tämä on asiaton kommentti", language="fi", key="k"
    )
    with pytest.raises(services.DeliberationError) as error:
        services.moderate_statement(actor=coordinator, statement=statement, status="rejected")
    assert error.value.code == "reason_required"
    services.moderate_statement(
        actor=coordinator, statement=statement, status="rejected", reason="Asiaton"
    )
    assert statement.reject_reason == "Asiaton"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "deliberation.statement_moderated")
    ).one()
    assert entry.changes["after"]["status"] == "rejected"
    assert "Asiaton" not in str(entry.changes)


def test_blocked_participant_cannot_vote_and_is_left_out(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    sid = statement_ids(conversation)[0]
    services.cast_vote(conversation_id=conversation.id, statement_id=sid, value=1, key="troll")
    participant = services.find_participant(conversation_id=conversation.id, key="troll")
    services.set_participant_blocked(actor=coordinator, participant=participant, blocked=True)
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(conversation_id=conversation.id, statement_id=sid, value=-1, key="troll")
    assert error.value.code == "blocked"
    assert results.is_due(conversation.id)
    results.recompute_conversation(conversation_id=conversation.id)
    assert db.session.get(MathState, conversation.id).summary["votes"] == 0


def test_routing_never_repeats_and_is_reproducible(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    seen = []
    participant = None
    for _ in range(12):
        statement = services.next_statement(
            conversation=conversation, participant=participant, key="route"
        )
        assert statement is not None and statement.id not in seen
        again = services.next_statement(
            conversation=conversation, participant=participant, key="route"
        )
        assert again.id == statement.id
        seen.append(statement.id)
        services.cast_vote(
            conversation_id=conversation.id, statement_id=statement.id, value=1, key="route"
        )
        participant = services.find_participant(conversation_id=conversation.id, key="route")
    assert services.next_statement(conversation=conversation, participant=participant) is None
    assert sorted(seen) == sorted(statement_ids(conversation))


def test_recompute_groups_camps_and_shows_standing(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    keys = vote_in_camps(conversation)
    assert results.is_due(conversation.id)
    assert results.recompute_conversation(conversation_id=conversation.id)
    assert not results.is_due(conversation.id)
    assert not results.recompute_conversation(conversation_id=conversation.id)
    state = db.session.get(MathState, conversation.id)
    assert state.vote_count == 40 * 12
    assert [g["size"] for g in state.summary["groups"]] == [20, 20]
    one = services.find_participant(conversation_id=conversation.id, key=keys[0])
    two = services.find_participant(conversation_id=conversation.id, key=keys[1])
    three = services.find_participant(conversation_id=conversation.id, key=keys[2])
    assert one.opinion_group == three.opinion_group != two.opinion_group
    standing = services.standing(conversation=conversation, participant=one)
    assert standing.group_label in {"A", "B"}
    assert standing.group_size == 20
    assert standing.votes_needed == 0
    # Group ids stay stable over an update.
    before = {p.id: p.opinion_group for p in db.session.scalars(select(Participant))}
    services.cast_vote(
        conversation_id=conversation.id,
        statement_id=statement_ids(conversation)[0],
        value=0,
        key=keys[0],
    )
    results.recompute_conversation(conversation_id=conversation.id)
    db.session.expire_all()
    after = {p.id: p.opinion_group for p in db.session.scalars(select(Participant))}
    assert after == before


def test_lock_keeps_a_second_recompute_out(db: Any, coordinator: Any) -> None:
    from portal.deliberation.services.recompute import conversation_lock

    conversation = make_conversation(coordinator)
    vote_in_camps(conversation, people=10)
    with conversation_lock(conversation.id):
        with pytest.raises(services.RecomputeBusy):
            services.recompute_now(conversation.id, force=True, wait=0.0)
        assert services.recompute_changed_conversations() == []
    assert services.recompute_now(conversation.id, force=True, wait=0.0)
    assert db.session.get(MathState, conversation.id).vote_count == 10 * 12


def test_publishing_registers_outputs_and_participations(
    db: Any, coordinator: Any, create_user: Any
) -> None:
    conversation = make_conversation(coordinator)
    vote_in_camps(conversation)
    resident = create_user("resident")
    services.cast_vote(
        conversation_id=conversation.id,
        statement_id=statement_ids(conversation)[0],
        value=1,
        user=resident,
        key=None,
    )
    services.change_status(actor=coordinator, conversation=conversation, status="closed")
    services.change_status(actor=coordinator, conversation=conversation, status="reported")
    outputs = db.session.scalars(select(Output).order_by(Output.id)).all()
    kinds = sorted(o.kind for o in outputs)
    assert kinds.count("opinion_group_view") == 2
    assert all(o.source_id == conversation.id for o in outputs)
    assert all(o.source_type.startswith("deliberation_") for o in outputs)
    group_view = next(o for o in outputs if o.kind == "opinion_group_view")
    assert "Mielipideryhmä" in group_view.title
    participation = db.session.scalars(select(Participation)).one()
    assert participation.user_id == resident.id
    assert db.session.get(Conversation, conversation.id).reported_at is not None


def test_personal_data_export_and_erasure(db: Any, coordinator: Any, create_user: Any) -> None:
    conversation = make_conversation(coordinator)
    resident = create_user("resident")
    sid = statement_ids(conversation)[0]
    services.cast_vote(
        conversation_id=conversation.id, statement_id=sid, value=1, user=resident, key="b"
    )
    exported = services.export_personal_data(resident)
    assert exported[0]["votes"][0]["vote"] == 1
    services.erase_personal_data(resident)
    db.session.commit()
    assert services.find_participant(conversation_id=conversation.id, user=resident) is None
    assert db.session.scalar(select(func.count(Vote.id))) == 1
