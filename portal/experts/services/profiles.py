"""Experience experts' profiles and their signed agreements and certificates."""

from __future__ import annotations

from datetime import date
from typing import IO

from sqlalchemy import Select, select

from portal.accounts.models import User
from portal.accounts.services import grant_role
from portal.core.permissions import Role
from portal.core.uploads import delete_stored, store_upload
from portal.councils.services import find_or_create_person
from portal.experts.models import ExpertDocument, ExpertProfile, ExpertStatus, TaskType
from portal.experts.services._common import ExpertError, audit
from portal.extensions import db


def save_profile(
    *,
    actor: User,
    profile: ExpertProfile | None,
    name: str = "",
    email: str = "",
    status: str,
    training_completed_on: date | None,
    experience_areas: list[str],
    service_area_ids: list[int],
    languages: list[str],
    available_weekdays: list[int],
    availability_note: str,
    willing: set[str],
) -> ExpertProfile:
    """Create a profile (for a person found by email, or a new account) or update one."""
    if status not in set(ExpertStatus):
        raise ExpertError("unknown_status")
    if status == ExpertStatus.ACTIVE and training_completed_on is None:
        raise ExpertError("training_required")
    created = profile is None
    if profile is None:
        user = find_or_create_person(name=name, email=email)
        exists = db.session.scalars(
            select(ExpertProfile).where(ExpertProfile.user_id == user.id)
        ).first()
        if exists is not None:
            raise ExpertError("profile_exists")
        grant_role(actor=actor, user=user, role=Role.EXPERT)
        profile = ExpertProfile(user=user)
        db.session.add(profile)
    before_status = profile.status
    profile.status = status
    profile.training_completed_on = training_completed_on
    profile.experience_areas = sorted(set(experience_areas))
    profile.service_area_ids = sorted({int(i) for i in service_area_ids})
    profile.languages = sorted(set(languages))
    profile.available_weekdays = sorted({int(d) for d in available_weekdays})
    profile.availability_note = availability_note.strip()
    for task in TaskType:
        if task != TaskType.OTHER:
            setattr(profile, f"willing_{task}", task in willing)
    db.session.flush()
    audit(
        actor,
        "profile_created" if created else "profile_updated",
        "expert_profile",
        profile.id,
        status={"before": None if created else before_status, "after": status},
    )
    db.session.commit()
    return profile


def add_document(
    *,
    actor: User,
    expert: User,
    kind: str,
    title: str,
    signed_on: date | None,
    filename: str,
    stream: IO[bytes],
) -> ExpertDocument:
    """Store a signed agreement or certificate (``UploadRejected`` when the file is refused)."""
    stored = store_upload(filename, stream)
    document = ExpertDocument(
        user_id=expert.id,
        kind=kind,
        title=title.strip(),
        signed_on=signed_on,
        stored_name=stored.stored_name,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        created_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    audit(actor, "document_added", "expert_document", document.id, user_id=expert.id, kind=kind)
    db.session.commit()
    return document


def remove_document(*, actor: User, document: ExpertDocument) -> None:
    stored = document.stored_name
    audit(actor, "document_removed", "expert_document", document.id, user_id=document.user_id)
    db.session.delete(document)
    db.session.commit()
    delete_stored(stored)


def documents_of(user: User) -> list[ExpertDocument]:
    return db.all(
        select(ExpertDocument)
        .where(ExpertDocument.user_id == user.id)
        .order_by(ExpertDocument.created_at.desc())
    )


def profile_of(user: User) -> ExpertProfile | None:
    return db.session.scalars(select(ExpertProfile).where(ExpertProfile.user_id == user.id)).first()


def list_profiles(*, status: str | None = None) -> Select[tuple[ExpertProfile]]:
    query = select(ExpertProfile).join(ExpertProfile.user).order_by(User.name, ExpertProfile.id)
    if status:
        query = query.where(ExpertProfile.status == status)
    return query
