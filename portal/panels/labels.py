"""Labels the shared navigation shows for this domain (kept in the panels catalogue)."""

from flask_babel import lazy_gettext as _l

NAV_PANELS = _l("Resident panels")
NAV_MANAGE_PANELS = _l("Manage panels")
