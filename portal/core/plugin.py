"""The portal's own pages (health check, audit log, undelivered mail) declared like any domain."""

from flask_babel import lazy_gettext as _l

from portal.core.domains import Domain, NavItem
from portal.core.views import bp

DOMAIN = Domain(
    name="core",
    blueprints=(bp,),
    navigation=(
        NavItem("core.list_audit_entries", _l("Audit log"), "audit.view", 160),
        NavItem("core.list_outgoing_mail", _l("Undelivered mail"), "admin.manage_mail", 165),
    ),
)
