"""The initiative services, by concern; import them from here (``services.submit_initiative``).

Every public service commits once at its end; ``_helpers`` only flush. Mail is queued with
``queue_mail`` and leaves only after the commit. State changes are audited with ids and
states only (no personal data)."""

from __future__ import annotations

from portal.initiatives.services._common import (
    CONFIRM_SUPPORT,
    INVITATION_DAYS,
    INVITE_CO_INITIATOR,
    SUPPORT_LINK_HOURS,
    WITHDRAW_LINK_DAYS,
    WITHDRAW_SUPPORT,
    InitiativeError,
    email_index,
    normalise_email,
)
from portal.initiatives.services.annual_report import (
    ANNUAL_REPORT_COLUMNS,
    ReportRow,
    annual_report,
    annual_report_csv,
)
from portal.initiatives.services.checking import (
    ABUSE_REASONS,
    handle_abuse_report,
    open_abuse_reports,
    publish_initiative,
    report_abuse,
    return_initiative,
)
from portal.initiatives.services.decisions import (
    DECISION_TO_RESPONSE,
    close_initiative,
    decide_initiative,
)
from portal.initiatives.services.drafting import (
    accept_invitation,
    create_initiative,
    ensure_invited_person,
    invitation_for,
    invite_co_initiator,
    send_for_check,
    update_initiative,
    withdraw_initiative,
)
from portal.initiatives.services.personal_data import erase_personal_data, export_personal_data
from portal.initiatives.services.reading import (
    initiatives_of,
    is_initiator,
    municipalities,
    progress_of,
    public_initiatives,
    service_areas,
    similar_initiatives,
    support_count,
    support_counts,
)
from portal.initiatives.services.reminders import (
    REMINDER_DAYS,
    end_expired_collections,
    run_daily_collection_end,
    send_reminders,
)
from portal.initiatives.services.settings import Rule, list_settings, rule_for_year, save_settings
from portal.initiatives.services.submission import (
    assign_initiative,
    initiatives_in_state,
    overdue_initiatives,
    submit_initiative,
)
from portal.initiatives.services.supports import (
    confirm_support,
    export_supporters,
    purge_unconfirmed_supports,
    request_support,
    support_breakdown,
    support_for_confirmation,
    support_for_withdrawal,
    withdraw_support,
)

__all__ = [
    "ABUSE_REASONS",
    "ANNUAL_REPORT_COLUMNS",
    "CONFIRM_SUPPORT",
    "DECISION_TO_RESPONSE",
    "INVITATION_DAYS",
    "INVITE_CO_INITIATOR",
    "REMINDER_DAYS",
    "SUPPORT_LINK_HOURS",
    "WITHDRAW_LINK_DAYS",
    "WITHDRAW_SUPPORT",
    "InitiativeError",
    "ReportRow",
    "Rule",
    "accept_invitation",
    "annual_report",
    "annual_report_csv",
    "assign_initiative",
    "close_initiative",
    "confirm_support",
    "create_initiative",
    "decide_initiative",
    "email_index",
    "end_expired_collections",
    "ensure_invited_person",
    "erase_personal_data",
    "export_personal_data",
    "export_supporters",
    "handle_abuse_report",
    "initiatives_in_state",
    "initiatives_of",
    "invitation_for",
    "invite_co_initiator",
    "is_initiator",
    "list_settings",
    "municipalities",
    "normalise_email",
    "open_abuse_reports",
    "overdue_initiatives",
    "progress_of",
    "public_initiatives",
    "publish_initiative",
    "purge_unconfirmed_supports",
    "report_abuse",
    "request_support",
    "return_initiative",
    "rule_for_year",
    "run_daily_collection_end",
    "save_settings",
    "send_for_check",
    "send_reminders",
    "service_areas",
    "similar_initiatives",
    "submit_initiative",
    "support_breakdown",
    "support_count",
    "support_counts",
    "support_for_confirmation",
    "support_for_withdrawal",
    "update_initiative",
    "withdraw_initiative",
    "withdraw_support",
]
