"""The council services, by concern; import them from here (``services.schedule_meeting``).

Every public service commits once at its end; ``_helpers`` only flush."""

from __future__ import annotations

from portal.councils.services._common import OUTPUT_SOURCE, RSVP_PURPOSE, TERM_SOURCE, CouncilError
from portal.councils.services.composition import (
    CouncilRow,
    add_seat_group,
    council_rows,
    current_members,
    recruiting_councils,
    remove_seat_group,
    renew_term,
    save_council,
    seat_group_status,
)
from portal.councils.services.meetings import (
    answer_by_link,
    answer_invitation,
    cancel_meeting,
    council_meetings,
    invitation_for_link,
    invitation_of,
    meeting_calendar,
    meetings_between,
    my_invitations,
    schedule_meeting,
    send_invitations,
    update_meeting,
)
from portal.councils.services.members import (
    add_member,
    decide_application,
    find_or_create_person,
    my_memberships,
    pending_applications,
    submit_application,
    update_membership,
)
from portal.councils.services.outputs import record_meeting_output
from portal.councils.services.personal_data import erase_personal_data, export_personal_data
from portal.councils.services.records import (
    add_material,
    mark_attendance,
    remove_material,
    save_minutes,
)

__all__ = [
    "OUTPUT_SOURCE",
    "RSVP_PURPOSE",
    "TERM_SOURCE",
    "CouncilError",
    "CouncilRow",
    "add_material",
    "add_member",
    "add_seat_group",
    "answer_by_link",
    "answer_invitation",
    "cancel_meeting",
    "council_meetings",
    "council_rows",
    "current_members",
    "decide_application",
    "erase_personal_data",
    "export_personal_data",
    "find_or_create_person",
    "invitation_for_link",
    "invitation_of",
    "mark_attendance",
    "meeting_calendar",
    "meetings_between",
    "my_invitations",
    "my_memberships",
    "pending_applications",
    "record_meeting_output",
    "recruiting_councils",
    "remove_material",
    "remove_seat_group",
    "renew_term",
    "save_council",
    "save_minutes",
    "schedule_meeting",
    "seat_group_status",
    "send_invitations",
    "submit_application",
    "update_meeting",
    "update_membership",
]
