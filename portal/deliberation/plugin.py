"""How deliberation (Polis-like discussions) plugs into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.tasks import Periodic, crontab
from portal.deliberation.cli import deliberation_cli
from portal.deliberation.demo import seed_deliberation
from portal.deliberation.services import (
    erase_personal_data,
    export_personal_data,
    recompute_changed_conversations,
)
from portal.deliberation.views import bp

DOMAIN = Domain(
    name="deliberation",
    blueprints=(bp,),
    cli_commands=(deliberation_cli,),
    navigation=(
        NavItem("deliberation.list_conversations", _l("Discussions"), position=90),
        NavItem(
            "deliberation.manage_conversations", _l("Deliberations"), "deliberation.manage", 100
        ),
    ),
    seed_demo=seed_deliberation,
    periodic_tasks=(
        Periodic(
            "deliberation.recompute_changed",
            crontab(minute="*"),
            recompute_changed_conversations,
        ),
    ),
    personal_data=(
        PersonalDataHandler("deliberation", export=export_personal_data, erase=erase_personal_data),
    ),
)
