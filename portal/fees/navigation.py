"""Main navigation entries of the fees domain (labels live in the fees catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: ``(endpoint, label, permission)``, added to ``portal.core.navigation.MAIN_NAVIGATION``.
FEES_NAVIGATION = (
    ("fees.my_claims", _l("My fees"), "fees.claim"),
    ("fees.check_queue", _l("Fee claims"), "fees.check"),
    ("fees.approval_queue", _l("Fee approval"), "fees.approve"),
    ("fees.list_batches", _l("Payment batches"), "fees.approve"),
    ("fees.show_reports", _l("Fee reports"), "fees.report"),
    ("fees.list_schedules", _l("Fee schedules"), "fees.configure"),
)
