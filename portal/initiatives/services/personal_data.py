"""What the initiatives domain holds about a person: export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.extensions import db
from portal.initiatives.models import (
    Initiative,
    Initiator,
    Support,
)
from portal.initiatives.services._common import (
    S,
    _delete_supports,
    _pending_support_ids,
    email_index,
)
from portal.initiatives.services.reading import initiatives_of


def export_personal_data(user: User) -> dict[str, Any] | None:
    initiated = [
        {"id": i.id, "title": i.title, "state": i.state, "public_name": i.public_name}
        for i in initiatives_of(user)
    ]
    supports: list[dict[str, Any]] = []
    if user.email:
        for support in db.session.scalars(
            select(Support).where(Support.email_index == email_index(user.email))
        ):
            supports.append(
                {
                    "initiative_id": support.initiative_id,
                    "name": support.name,
                    "confirmed_at": support.confirmed_at.isoformat()
                    if support.confirmed_at
                    else None,
                    "notify_decision": support.notify_decision,
                }
            )
    if not initiated and not supports:
        return None
    return {"initiatives": initiated, "supports": supports}


def erase_personal_data(user: User) -> None:
    """Drop the person's name from their initiatives and supports; counts stay correct.

    Confirmed supports keep their keyed address hash (so the count and the one-per-address
    rule hold) but lose the name and address; pending ones are deleted. A draft never sent
    to the county is the person's own unpublished text and is deleted with its invitations
    (unless co-initiators have joined it); sent and published initiatives stay (they are
    public or under handling) without the initiator's name and phone. Invitations addressed
    to the person lose the address.
    """
    for draft in db.session.scalars(
        select(Initiative).where(Initiative.author_id == user.id, Initiative.state == S.DRAFT)
    ):
        if draft.initiator_user_ids() <= {user.id}:  # co-initiators keep a shared draft
            db.session.delete(draft)
    db.session.flush()
    if user.email:
        db.session.execute(
            update(Initiator)
            .where(Initiator.invited_email == user.email)
            .values(invited_email=None)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(Initiative)
        .where(Initiative.author_id == user.id)
        .values(public_name="", contact_phone="")
        .execution_options(synchronize_session=False)
    )
    if user.email:
        index = email_index(user.email)
        _delete_supports(_pending_support_ids(Support.email_index == index))
        db.session.execute(
            update(Support)
            .where(Support.email_index == index)
            .values(name="", email=None, municipality_id=None, notify_decision=False)
            .execution_options(synchronize_session=False)
        )
