"""Writing to the append-only audit log (services call this; views never do)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.core.models import AuditEntry
from portal.core.paging import Page, paginate
from portal.core.service_filters import where_equal
from portal.extensions import db


def record_audit(
    *,
    actor: Any | None,
    action: str,
    object_type: str,
    object_id: object | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the calling service commits it).

    ``changes`` must hold no personal data: field names, ids, states and amounts only.
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        changes=changes or {},
    )
    db.session.add(entry)
    return entry


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The sorted names of fields whose values differ: what the log may say about personal data."""
    return sorted(key for key in after if before.get(key) != after[key])


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


# The filters that pick one value of the column of the same name.
_EQUAL_FILTERS = (
    ("object_type", "object_type"),
    ("object_id", "object_id"),
    ("actor_id", "actor_id"),
)


def audit_page(criteria: AuditFilter, *, page: int, per_page: int = 50) -> Page[AuditEntry]:
    """Newest first, filtered; actors are loaded in one query with the entries."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if criteria.action:
        query = query.where(AuditEntry.action.startswith(criteria.action))
    query = where_equal(query, criteria, AuditEntry, _EQUAL_FILTERS)
    if criteria.start:
        query = query.where(AuditEntry.created_at >= criteria.start)
    if criteria.end:
        query = query.where(AuditEntry.created_at <= criteria.end)
    return paginate(query, page=page, per_page=per_page)


class DomainAudit:
    """``audit(actor, action, object_type, object_id, **changes)`` for one domain: the action
    is written as ``<domain>.<action>``, so each domain's services need not repeat it."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def __call__(
        self, actor: Any | None, action: str, object_type: str, object_id: object, **changes: Any
    ) -> AuditEntry:
        return record_audit(
            actor=actor,
            action=f"{self.domain}.{action}",
            object_type=object_type,
            object_id=object_id,
            changes=changes,
        )
