"""The core's own periodic tasks; the composition root registers them with the queue."""

from __future__ import annotations

from huey import crontab

from portal.core.mail import sweep_mail_outbox
from portal.core.resubmission import purge_form_submissions
from portal.core.tasks import Periodic, purge_periodic_runs

CORE_PERIODIC_TASKS: tuple[Periodic, ...] = (
    # Every minute: re-enqueue due mail whose task was lost, settle stale sends, purge.
    Periodic("core.sweep_mail_outbox", crontab(), sweep_mail_outbox),
    Periodic("core.purge_periodic_runs", crontab(minute="17", hour="3"), purge_periodic_runs),
    Periodic("core.purge_form_submissions", crontab(minute="23"), purge_form_submissions),
)
