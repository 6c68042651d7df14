"""How the impact chain and its reports plug into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.impact.cli import impact_cli
from portal.impact.demo import seed_impact
from portal.impact.periodic import PERIODIC_TASKS
from portal.impact.services import erase_personal_data, export_personal_data
from portal.impact.views import bp

DOMAIN = Domain(
    name="impact",
    blueprints=(bp,),
    cli_commands=(impact_cli,),
    navigation=(
        NavItem("impact.public_outputs", _l("You said, we did"), position=50),
        NavItem("impact.dashboard", _l("Impact"), "impact.view", 60),
        NavItem("impact.list_outputs", _l("Responses"), "impact.view", 110),
    ),
    seed_demo=seed_impact,
    periodic_tasks=PERIODIC_TASKS,
    personal_data=(
        PersonalDataHandler(
            "impact_participations", export=export_personal_data, erase=erase_personal_data
        ),
    ),
)
