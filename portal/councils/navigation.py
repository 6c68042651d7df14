"""Main-navigation entries of councils: ``(endpoint, label, access)``."""

from flask_babel import lazy_gettext as _l

from portal.core.permissions import PUBLIC

COUNCILS_NAVIGATION = (
    ("councils.list_open_councils", _l("Join a council"), PUBLIC),
    ("councils.my_councils", _l("My councils"), "experts.own"),
    ("councils.list_councils", _l("Councils"), "councils.manage"),
    ("councils.calendar", _l("Calendar"), "councils.manage"),
)
