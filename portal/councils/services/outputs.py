"""Recommendations and statements of a meeting, registered as outputs of the term."""

from __future__ import annotations

from portal.accounts.models import User
from portal.councils.models import (
    Meeting,
    MeetingOutput,
)
from portal.councils.services._common import OUTPUT_SOURCE, CouncilError, _meeting_activity, audit
from portal.extensions import db
from portal.impact.models import OutputKind
from portal.impact.services import register_output


def record_meeting_output(
    *, actor: User, meeting: Meeting, kind: str, title: str, text: str
) -> MeetingOutput:
    """Register a recommendation or statement of the meeting as an output of the term, so
    that decision makers can respond to it."""
    if kind not in {OutputKind.RECOMMENDATION, OutputKind.STATEMENT}:
        raise CouncilError("unknown_output")
    activity = _meeting_activity(meeting)
    item = MeetingOutput(meeting=meeting, kind=kind, title=title.strip(), text=text.strip())
    db.session.add(item)
    db.session.flush()
    output = register_output(
        activity=activity,
        kind=kind,
        title=item.title,
        text=item.text,
        source_type=OUTPUT_SOURCE,
        source_id=item.id,
    )
    item.output_id = output.id
    audit(actor, "output_recorded", "meeting", meeting.id, output_id=output.id, kind=kind)
    db.session.commit()
    return item
