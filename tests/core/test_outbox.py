"""The transactional mail outbox: same transaction, at most once, retries, admin retry."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from huey.exceptions import RetryTask
from sqlalchemy import func, select

from portal.accounts.services import request_password_reset
from portal.core.db import utcnow
from portal.core.mail import (
    UNCERTAIN,
    deliver_mail,
    forget_mail_to,
    mask_address,
    queue_mail,
    sweep_mail_outbox,
)
from portal.core.models import AuditEntry, OutgoingMessage
from portal.core.tasks import enqueue_after_commit, register_periodic, task
from tests.conftest import csrf_token

SUBJECT_FI = "Vaihda salasanasi"


def _rows(db: Any) -> list[OutgoingMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def smtp_down(app: Any) -> Iterator[None]:
    """Point Flask-Mail at a port where nothing listens (connection refused)."""
    state = app.extensions["mail"]
    port = state.port
    state.port = _closed_port()
    try:
        yield
    finally:
        state.port = port


def test_mail_is_written_in_the_services_transaction_and_sent_after_commit(
    db: Any, app: Any, create_user: Any, mailbox: Any
) -> None:
    user = create_user(locale="fi")
    queue_mail(
        to=user.email, subject="Tervetuloa", template="emails/reset_password", locale="fi",
        name=user.name, reset_url="http://localhost/x", hours=2,
    )  # fmt: skip
    db.session.flush()
    # Another connection does not see the row before the commit: it is part of this transaction.
    with app.extensions["portal.db"].engine.connect() as other:
        assert other.scalar(select(func.count()).select_from(OutgoingMessage)) == 0
    assert mailbox.messages == []
    db.session.commit()
    received = mailbox.wait_for(user.email)
    assert [m["Subject"] for m in received] == ["Tervetuloa"]
    [row] = _rows(db)
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.sent_at is not None
    # The body held a live link; it is not kept once the message has left.
    assert (row.text_body, row.html_body, row.attachments) == ("", "", None)


def test_nothing_is_stored_or_sent_when_the_transaction_rolls_back(
    db: Any, create_user: Any, mailbox: Any
) -> None:
    user = create_user()
    queue_mail(
        to=user.email, subject="Ei koskaan", template="emails/reset_password", locale="fi",
        name=user.name, reset_url="http://localhost/x", hours=2,
    )  # fmt: skip
    db.session.rollback()
    db.session.commit()  # a later commit must not resurrect the dropped message
    time.sleep(0.2)
    assert _rows(db) == []
    assert mailbox.to(user.email) == []


def test_a_real_service_sends_through_the_outbox(db: Any, create_user: Any, mailbox: Any) -> None:
    user = create_user(locale="fi")
    request_password_reset(email=user.email)
    [message] = mailbox.wait_for(user.email)
    assert message["Subject"] == SUBJECT_FI
    assert [(r.to_address, r.status) for r in _rows(db)] == [(user.email, "sent")]


def test_smtp_failures_back_off_exponentially_then_fail(
    db: Any, app: Any, create_user: Any, mailbox: Any, smtp_down: None
) -> None:
    settings = app.config["PORTAL"]
    user = create_user()
    request_password_reset(email=user.email)
    for attempt in range(1, settings.mail_max_attempts + 1):
        [row] = _rows(db)
        assert row.status == "pending"
        assert row.attempts == attempt
        assert row.last_error.startswith("ConnectionRefusedError")
        expected = settings.mail_retry_base_seconds * 2 ** (attempt - 1)
        waited = (row.next_attempt_at - utcnow()).total_seconds()
        assert expected - 5 < waited <= expected
        # Not due yet: a second delivery attempt does nothing.
        deliver_mail.call_local(row.id)
        assert _rows(db)[0].attempts == attempt
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        if attempt < settings.mail_max_attempts - 1:
            with pytest.raises(RetryTask) as retry:
                deliver_mail.call_local(row.id)
            assert retry.value.delay == settings.mail_retry_base_seconds * 2**attempt
        else:
            deliver_mail.call_local(row.id)  # the last attempt fails for good, no retry
            break
    [row] = _rows(db)
    assert (row.status, row.attempts) == ("failed", settings.mail_max_attempts)
    assert mailbox.to(user.email) == []


def test_a_message_left_sending_is_never_sent_again(
    db: Any, app: Any, create_user: Any, mailbox: Any
) -> None:
    timeout = app.config["PORTAL"].mail_sending_timeout_seconds
    user = create_user()
    row = _pending_row(db, user.email)
    row.status, row.attempts = "sending", 1
    row.claimed_at = utcnow() - timedelta(seconds=timeout // 2)
    db.session.commit()
    deliver_mail.call_local(row.id)
    sweep_mail_outbox()
    assert _rows(db)[0].status == "sending"  # not yet stale: the worker may still be on it
    row.claimed_at = utcnow() - timedelta(seconds=timeout + 1)
    db.session.commit()
    assert sweep_mail_outbox()["uncertain"] == 1
    deliver_mail.call_local(row.id)
    [row] = _rows(db)
    assert (row.status, row.last_error) == ("failed", UNCERTAIN)
    time.sleep(0.2)
    assert mailbox.to(user.email) == []


def test_concurrent_deliveries_of_one_message_send_it_once(
    db: Any, create_user: Any, mailbox: Any
) -> None:
    import threading

    user = create_user()
    row = _pending_row(db, user.email)
    threads = [threading.Thread(target=deliver_mail.call_local, args=(row.id,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    mailbox.wait_for(user.email)
    time.sleep(0.3)
    assert len(mailbox.to(user.email)) == 1
    assert _rows(db)[0].attempts == 1


def _pending_row(db: Any, address: str, **values: Any) -> OutgoingMessage:
    """A pending row added without the after-commit enqueue: a lost task."""
    row = OutgoingMessage(
        to_address=address,
        subject=values.pop("subject", "Testiviesti"),
        text_body="Hei",
        html_body="<p>Hei</p>",
        status="pending",
        attempts=0,
        next_attempt_at=values.pop("next_attempt_at", utcnow()),
        **values,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_the_sweep_resends_lost_due_mail_and_purges_old_sent_mail(
    db: Any, app: Any, create_user: Any, mailbox: Any
) -> None:
    keep_days = app.config["PORTAL"].mail_keep_sent_days
    lost = _pending_row(db, "lost@example.fi", next_attempt_at=utcnow() - timedelta(minutes=5))
    fresh = _pending_row(db, "fresh@example.fi", next_attempt_at=utcnow() + timedelta(hours=1))
    old = _pending_row(db, "old@example.fi")
    old.status, old.sent_at = "sent", utcnow() - timedelta(days=keep_days, minutes=1)
    recent = _pending_row(db, "recent@example.fi")
    recent.status, recent.sent_at = "sent", utcnow() - timedelta(days=keep_days - 1)
    db.session.commit()
    result = sweep_mail_outbox()
    assert result == {"requeued": 1, "uncertain": 0, "purged": 1}
    mailbox.wait_for("lost@example.fi")
    statuses = {r.id: r.status for r in _rows(db)}
    assert statuses == {lost.id: "sent", fresh.id: "pending", recent.id: "sent"}
    assert mailbox.to("fresh@example.fi") == []


def test_forgetting_an_address_removes_its_rows_only(db: Any) -> None:
    _pending_row(db, "Poistuva@Example.fi")
    sent = _pending_row(db, "poistuva@example.fi")
    sent.status, sent.sent_at = "sent", utcnow()
    kept = _pending_row(db, "muu@example.fi")
    db.session.commit()
    assert forget_mail_to("poistuva@example.fi") == 2
    db.session.commit()
    assert [r.id for r in _rows(db)] == [kept.id]


@pytest.mark.parametrize("seed", range(3))
def test_masked_addresses_keep_only_two_letters_and_the_domain(seed: int) -> None:
    rng = random.Random(seed)
    local = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz.") for _ in range(rng.randint(3, 20)))
    domain = rng.choice(["example.fi", "pirha.fi", "kunta.example"])
    masked = mask_address(f"{local}@{domain}")
    assert masked == local[:2] + "***@" + domain
    assert local not in masked or len(local) <= 2


# --- the task API ------------------------------------------------------------------------

seen: list[tuple[int, bool]] = []


@task()
def remember_user_count(marker: int) -> None:
    from flask import g

    from portal.accounts.models import User
    from portal.extensions import db as portal_db

    seen.append((portal_db.session.scalar(select(func.count()).select_from(User)), "x" in g))


def test_tasks_run_after_commit_in_a_fresh_context_and_not_after_rollback(
    db: Any, create_user: Any
) -> None:
    from flask import g

    seen.clear()
    g.x = 1  # the enqueuing context's ``g`` must not leak into the task
    create_user()
    enqueue_after_commit(remember_user_count, 1)
    db.session.rollback()
    assert seen == []
    create_user()  # commits: the task sees the committed user from its own session
    enqueue_after_commit(remember_user_count, 2)
    db.session.commit()
    assert seen == [(2, False)]


def test_a_periodic_task_runs_once_per_period(db: Any) -> None:
    from portal.core.tasks import Periodic, crontab

    runs: list[int] = []
    wrapper = register_periodic(
        Periodic("tests.count_runs", crontab(), lambda: runs.append(len(runs)))
    )
    minutes = sorted({random.Random(7).randrange(0, 10_000) for _ in range(5)})
    start = utcnow().replace(second=0, microsecond=0)
    periods = [(start - timedelta(minutes=m)).isoformat() for m in minutes]
    for period in periods + periods[::-1]:
        wrapper.call_local(period=period)
    assert len(runs) == len(periods)


# --- the admin page ----------------------------------------------------------------------


def test_the_outbox_page_masks_recipients_and_needs_the_permission(db: Any, login_as: Any) -> None:
    _pending_row(db, "maija.meikalainen@example.fi", next_attempt_at=utcnow() + timedelta(hours=1))
    admin = login_as("admin")
    page = admin.get("/admin/mail")
    assert page.status_code == 200
    assert b"ma***@example.fi" in page.data
    assert b"maija.meikalainen" not in page.data
    assert login_as("coordinator").get("/admin/mail").status_code == 403


def test_retrying_a_failed_message_sends_it_and_is_audited(
    db: Any, login_as: Any, mailbox: Any
) -> None:
    row = _pending_row(db, "uusi.yritys@example.fi")
    row.status, row.attempts, row.last_error = "failed", 8, "SMTPServerDisconnected: x"
    db.session.commit()
    admin = login_as("admin")
    url = f"/admin/mail/{row.id}/retry"
    # Without a valid CSRF token nothing changes.
    assert admin.post(url, data={"csrf_token": "forged"}).status_code == 302
    assert _rows(db)[0].status == "failed"
    token = csrf_token(admin, "/admin/mail")
    assert admin.post(url, data={"csrf_token": token}).status_code == 302
    mailbox.wait_for("uusi.yritys@example.fi")
    assert _rows(db)[0].status == "sent"
    # A second retry of a sent message changes nothing and sends nothing (the same form
    # sent again is also answered as already done by the resubmission guard).
    assert admin.post(url, data={"csrf_token": token}).status_code in (302, 303)
    time.sleep(0.2)
    assert len(mailbox.to("uusi.yritys@example.fi")) == 1
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("mail.retried") == 1
    assert login_as("coordinator").post(url, data={"csrf_token": token}).status_code == 403
