"""How resident initiatives (aluealoite) plug into the portal."""

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.tasks import Periodic, crontab
from portal.initiatives import labels
from portal.initiatives.cli import initiatives_cli
from portal.initiatives.demo import seed_initiatives
from portal.initiatives.services import (
    erase_personal_data,
    export_personal_data,
    run_daily_collection_end,
    send_reminders,
)
from portal.initiatives.views import bp

DOMAIN = Domain(
    name="initiatives",
    blueprints=(bp,),
    cli_commands=(initiatives_cli,),
    navigation=(
        NavItem("initiatives.list_initiatives", labels.NAV_INITIATIVES, position=20),
        NavItem("initiatives.manage", labels.NAV_HANDLING, "initiatives.decide", 150),
    ),
    seed_demo=seed_initiatives,
    periodic_tasks=(
        # Shortly after midnight (UTC), collections whose last day has passed are submitted.
        Periodic(
            "initiatives.end_collections", crontab(minute="10", hour="0"), run_daily_collection_end
        ),
        # Reminders are idempotent per stage; once a day in the morning is enough.
        Periodic("initiatives.remind", crontab(minute="0", hour="5"), send_reminders),
    ),
    personal_data=(
        PersonalDataHandler("initiatives", export=export_personal_data, erase=erase_personal_data),
    ),
)
