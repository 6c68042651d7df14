"""Main-navigation entries of the experience bank: ``(endpoint, label, access)``."""

from flask_babel import lazy_gettext as _l

EXPERTS_NAVIGATION = (
    ("experts.my_page", _l("My assignments"), "experts.own"),
    ("experts.list_requests", _l("Expert requests"), "experts.request"),
    ("experts.list_experts", _l("Experience experts"), "experts.manage"),
)
