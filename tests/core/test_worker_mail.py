"""A real worker delivers mail queued while the SMTP server was down, each message once."""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from alembic import command
from sqlalchemy import create_engine, select

from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.core.models import Municipality, OutgoingMessage
from portal.core.permissions import Role
from portal.core.tasks import queue
from portal.extensions import db
from tests.conftest import Mailbox, _free_port
from tests.core.worker_support import (
    own_queue_configuration,
    portal_env,
    start_worker,
    stop_worker,
    wait_until,
)

KINDS = 5


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mailbox.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def _member_data(email: str, municipality_id: int, n: int) -> Any:
    from portal.pool.services import MemberData

    return MemberData(
        name=f"Testi Jäsen {n}",
        email=email,
        phone=None,
        contact_channel="email",
        postal_address=None,
        birth_year=1970 + n,
        gender="woman",
        municipality_id=municipality_id,
        municipality_other=False,
        language="fi",
        language_other=None,
        locale="fi",
    )


def _trigger_five_kinds_of_mail(run: str) -> list[str]:
    """Real services, each sending a different kind of mail; returns the recipients."""
    from portal.accounts.services import create_user, request_password_reset
    from portal.initiatives.services import create_initiative, invite_co_initiator
    from portal.pool.services import add_member, join_pool, request_magic_link
    from portal.public.services import send_accessibility_feedback

    municipality = db.session.scalars(select(Municipality).order_by(Municipality.id)).first()
    resident = create_user(
        email=f"resident-{run}@example.fi", name="Riitta Asukas", password="correct horse battery",
        roles={Role.RESIDENT}, locale="fi", verified=True,
    )  # fmt: skip
    coordinator = create_user(
        email=f"coordinator-{run}@example.fi", name="Kalle Koordinaattori",
        password="correct horse battery", roles={Role.COORDINATOR}, locale="fi", verified=True,
    )  # fmt: skip
    db.session.commit()
    request_password_reset(email=resident.email)
    joiner = f"joiner-{run}@example.fi"
    join_pool(data=_member_data(joiner, municipality.id, 1))
    member_address = f"member-{run}@example.fi"
    add_member(actor=coordinator, data=_member_data(member_address, municipality.id, 2))
    request_magic_link(email=member_address)
    initiative = create_initiative(
        actor=resident, title="Penkkejä puistoon", proposal="Lisää penkkejä Keskuspuistoon."
    )
    db.session.commit()
    co_signer = f"cosigner-{run}@example.fi"
    invite_co_initiator(actor=resident, initiative=initiative, email=co_signer)
    db.session.commit()
    send_accessibility_feedback(page="/pool", description="Painike on liian pieni.", email=None)
    return [resident.email, joiner, member_address, co_signer, "saavutettavuus@example.invalid"]


def test_a_worker_delivers_every_kind_of_mail_once_after_smtp_comes_back(tmp_path: Path) -> None:
    port = _free_port()
    database_url = f"sqlite:///{tmp_path}/portal.sqlite3"
    settings = {
        "PORTAL_ENVIRONMENT": "testing",
        "PORTAL_SECRET_KEY": "worker-test-secret-" + "x" * 32,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_TASK_QUEUE_PATH": str(tmp_path / "tasks.sqlite3"),
        "PORTAL_TASK_QUEUE_NAME": f"osallistu-test-{secrets.token_hex(3)}",
        "PORTAL_TASKS_IMMEDIATE": "0",
        "PORTAL_MAIL_BACKEND": "smtp",
        "PORTAL_MAIL_SERVER": "127.0.0.1",
        "PORTAL_MAIL_PORT": str(port),
        "PORTAL_MAIL_RETRY_BASE_SECONDS": "1",
        "PORTAL_MAIL_MAX_ATTEMPTS": "30",
        "PORTAL_FEEDBACK_EMAIL": "saavutettavuus@example.invalid",
        "PORTAL_BASE_URL": "http://localhost",
        "PORTAL_LOG_LEVEL": "INFO",
    }
    mailbox = Mailbox()
    smtp = Controller(_Handler(mailbox), hostname="127.0.0.1", port=port)
    smtp.start()
    smtp.stop()  # the SMTP server is down while the mail is queued and first tried

    with own_queue_configuration():
        app = create_app(Config.from_env(settings))
        command.upgrade(alembic_config(database_url), "head")
        with app.test_request_context():
            recipients = _trigger_five_kinds_of_mail(secrets.token_hex(3))
            db.session.remove()
        assert queue.pending_count() == KINDS  # queued, not sent: nobody consumes yet
        app.extensions["portal.db"].engine.dispose()

    engine = create_engine(database_url)

    def rows() -> list[Any]:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    select(
                        OutgoingMessage.to_address,
                        OutgoingMessage.subject,
                        OutgoingMessage.status,
                        OutgoingMessage.attempts,
                    )
                )
            )

    worker = start_worker(portal_env(settings), tmp_path / "worker.log", args=("--workers", "2"))
    try:
        # Password reset and sign-in link requests look the address up in a task (so the
        # answer takes as long for unknown addresses): their rows appear once a worker runs.
        wait_until(lambda: len(rows()) == KINDS, 60, "every message in the outbox")
        assert sorted(r.to_address for r in rows()) == sorted(recipients)
        subjects = {r.to_address: r.subject for r in rows()}
        assert len(set(subjects.values())) == KINDS, "five different kinds of mail"
        # Every message meets the closed port at least once before the server returns.
        wait_until(
            lambda: all(r.attempts >= 1 and r.status == "pending" for r in rows()),
            30,
            "first failed attempts",
        )
        smtp = Controller(_Handler(mailbox), hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            wait_until(lambda: len(mailbox.messages) >= KINDS, 60, "all five messages")
            wait_until(lambda: all(r.status == "sent" for r in rows()), 10, "rows marked sent")
            # Leave room for a duplicate to show up before counting.
            wait_until(lambda: worker.poll() is None and _quiet(queue_path=settings), 5, "idle")
        finally:
            smtp.stop()
    finally:
        returncode = stop_worker(worker)
        engine.dispose()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    received = Counter((str(m["To"]), str(m["Subject"])) for m in mailbox.messages)
    assert received == Counter({(to, subjects[to]): 1 for to in recipients}), log[-3000:]
    assert returncode == 0, log[-3000:]
    assert "worker stopped" in log


def _quiet(*, queue_path: dict[str, str]) -> bool:
    """True once the worker's queue holds no task waiting to run now."""
    from huey.storage import SqliteStorage

    storage = SqliteStorage(
        queue_path["PORTAL_TASK_QUEUE_NAME"], filename=queue_path["PORTAL_TASK_QUEUE_PATH"]
    )
    try:
        return storage.queue_size() == 0
    finally:
        storage.close()
