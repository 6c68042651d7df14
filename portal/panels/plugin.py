"""How resident panels plug into the portal."""

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.tasks import Periodic, crontab
from portal.panels import labels
from portal.panels.cli import panels_cli
from portal.panels.demo import seed_panels
from portal.panels.services import (
    erase_personal_data,
    export_personal_data,
    resume_draws_on_worker_start,
    resume_stalled_draws,
)
from portal.panels.views import bp

DOMAIN = Domain(
    name="panels",
    blueprints=(bp,),
    cli_commands=(panels_cli,),
    navigation=(
        NavItem("panels.list_panels", labels.NAV_PANELS, position=70),
        NavItem("panels.manage_panels", labels.NAV_MANAGE_PANELS, "panels.manage", 80),
    ),
    seed_demo=seed_panels,
    # Draws whose worker was killed are run again: by the next consumer to start, and by a
    # sweep every minute for draws whose heartbeat went stale while consumers kept running.
    periodic_tasks=(
        Periodic("panels.resume_stalled_draws", crontab(minute="*"), resume_stalled_draws),
    ),
    worker_startup=(resume_draws_on_worker_start,),
    personal_data=(
        PersonalDataHandler("panels", export=export_personal_data, erase=erase_personal_data),
    ),
)
