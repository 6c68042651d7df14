"""How the experience bank (experts and staff requests) plugs into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.experts.demo import seed_experts
from portal.experts.services import erase_personal_data, export_personal_data
from portal.experts.views import bp

DOMAIN = Domain(
    name="experts",
    blueprints=(bp,),
    navigation=(
        NavItem("experts.my_page", _l("My assignments"), "experts.own", 130),
        NavItem("experts.list_requests", _l("Expert requests"), "experts.request", 131),
        NavItem("experts.list_experts", _l("Experience experts"), "experts.manage", 132),
    ),
    seed_demo=seed_experts,
    personal_data=(
        PersonalDataHandler("experts", export=export_personal_data, erase=erase_personal_data),
    ),
)
