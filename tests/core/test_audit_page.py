"""``audit_page``: the audit log, narrowed by the filters a coordinator picked."""

from __future__ import annotations

from typing import Any

from portal.core.audit import AuditFilter, audit_page, record_audit


def test_the_object_and_actor_filters_pick_one_value_each(db: Any, create_user: Any) -> None:
    actor = create_user()
    record_audit(actor=actor, action="fees.claim_checked", object_type="claim", object_id=1)
    record_audit(actor=None, action="fees.claim_checked", object_type="claim", object_id=2)
    record_audit(actor=actor, action="panels.create", object_type="panel", object_id=2)
    db.session.flush()

    def found(**criteria: Any) -> list[tuple[str, str | None]]:
        page = audit_page(AuditFilter(**criteria), page=1)
        return sorted((entry.object_type, entry.object_id) for entry in page.items)

    assert found(object_type="claim") == [("claim", "1"), ("claim", "2")]
    assert found(object_id="2") == [("claim", "2"), ("panel", "2")]
    assert found(actor_id=actor.id) == [("claim", "1"), ("panel", "2")]
    assert found(object_type="claim", object_id="2", actor_id=actor.id) == []
