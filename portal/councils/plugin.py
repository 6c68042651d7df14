"""How councils and influence bodies plug into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.permissions import PUBLIC
from portal.councils.demo import seed_councils
from portal.councils.services import erase_personal_data, export_personal_data
from portal.councils.views import bp

DOMAIN = Domain(
    name="councils",
    blueprints=(bp,),
    navigation=(
        NavItem("councils.list_open_councils", _l("Join a council"), PUBLIC, 120),
        NavItem("councils.my_councils", _l("My councils"), "experts.own", 121),
        NavItem("councils.list_councils", _l("Councils"), "councils.manage", 122),
        NavItem("councils.calendar", _l("Calendar"), "councils.manage", 123),
    ),
    seed_demo=seed_councils,
    personal_data=(
        PersonalDataHandler("councils", export=export_personal_data, erase=erase_personal_data),
    ),
)
