"""How the public pages plug into the portal."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem
from portal.public.views import bp, language_context

DOMAIN = Domain(
    name="public",
    blueprints=(bp,),
    navigation=(NavItem("public.home", _l("Take part"), position=10),),
    template_context=(language_context,),
)
