"""How the resident pool plugs into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.tasks import Periodic, crontab
from portal.pool.cli import pool_cli
from portal.pool.demo import seed_pool
from portal.pool.services import (
    erase_personal_data,
    export_personal_data,
    resume_invitation_mail,
    run_retention,
    send_due_reminders,
)
from portal.pool.views import bp

DOMAIN = Domain(
    name="pool",
    blueprints=(bp,),
    cli_commands=(pool_cli,),
    navigation=(
        NavItem("pool.join", _l("Resident pool"), position=30),
        NavItem("pool.list_members", _l("Pool registry"), "pool.manage", 40),
    ),
    seed_demo=seed_pool,
    personal_data=(
        PersonalDataHandler("pool", export=export_personal_data, erase=erase_personal_data),
    ),
    # Daily, at night and in the morning (UTC); ``flask pool retention|remind`` run them by hand.
    periodic_tasks=(
        Periodic("pool.retention", crontab(minute="30", hour="2"), run_retention),
        Periodic("pool.remind", crontab(minute="0", hour="7"), send_due_reminders),
    ),
    worker_startup=(resume_invitation_mail,),
)
