"""An expert's data for the personal-data export, and what erasure removes."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from portal.core.uploads import delete_stored
from portal.experts.services.assignments import my_assignments
from portal.experts.services.profiles import documents_of, profile_of
from portal.extensions import db


def export_personal_data(user: User) -> dict[str, Any] | None:
    profile = profile_of(user)
    assignments = my_assignments(user)
    documents = documents_of(user)
    if profile is None and not assignments and not documents:
        return None
    return {
        "profile": None
        if profile is None
        else {
            "status": profile.status,
            "training_completed_on": profile.training_completed_on.isoformat()
            if profile.training_completed_on
            else None,
            "experience_areas": profile.experience_areas,
            "languages": profile.languages,
            "available_weekdays": profile.available_weekdays,
            "availability_note": profile.availability_note,
            "willing": sorted(profile.willing_task_types()),
        },
        "documents": [
            {"kind": d.kind, "title": d.title, "filename": d.filename} for d in documents
        ],
        "assignments": [
            {
                "title": a.request.title,
                "starts_at": a.starts_at.isoformat(),
                "status": a.status,
                "hours": str(a.hours) if a.hours is not None else None,
                "my_feedback": a.expert_feedback,
            }
            for a in assignments
        ],
    }


def erase_personal_data(user: User) -> None:
    # Assignments stay (hours and counts), but what is personal goes: the profile with
    # its lived-experience areas, the documents and the words of the feedback.
    for document in documents_of(user):
        delete_stored(document.stored_name)
        db.session.delete(document)
    profile = profile_of(user)
    if profile is not None:
        db.session.delete(profile)
    for assignment in my_assignments(user):
        assignment.expert_feedback = ""
        assignment.decline_reason = ""
        assignment.requester_feedback = ""
    db.session.flush()
