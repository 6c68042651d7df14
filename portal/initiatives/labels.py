"""Navigation labels of the initiatives domain (kept here so they live in its catalogue)."""

from flask_babel import lazy_gettext as _l

NAV_INITIATIVES = _l("Initiatives")
NAV_HANDLING = _l("Initiative handling")
