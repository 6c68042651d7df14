"""Claims: generated from participations, edited by the payee, checked and approved.

``fee_claim_lines (participation_id, code)`` is unique, so a meeting is claimed once; the
workflow steps lock the claim with ``SELECT ... FOR UPDATE`` so that a second approver waits
and then sees the new state.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.mail import mail_person
from portal.core.money import ZERO
from portal.core.permissions import user_has_permission
from portal.core.urls import external_url
from portal.extensions import db
from portal.fees.calculation import (
    EventKind,
    ScheduleError,
    WorkEvent,
    lines_for_event,
    schedule_for,
)
from portal.fees.models import ActivityFeeSetting, ClaimState, FeeClaim, FeeClaimItem, FeeReceipt
from portal.fees.services._common import FeeError, audit, first_of_month, month_end
from portal.fees.services.payees import payee_details, payee_details_complete
from portal.fees.services.pricing import cost_centre_for, price_claim, reprice_claim
from portal.fees.services.schedules import load_schedules
from portal.impact.models import Attendance, EventType, Participation

#: Occasions that earn a fee, and how each is priced.
FEE_EVENT_KINDS: dict[str, EventKind] = {
    EventType.COUNCIL_MEETING: EventKind.MEETING,
    EventType.PANEL_SESSION: EventKind.MEETING,
    EventType.EXPERT_ASSIGNMENT: EventKind.ASSIGNMENT,
}
RECEIPT_MAX_BYTES = 5 * 1024 * 1024
RECEIPT_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)

# --- generation ---------------------------------------------------------------------------


@dataclass
class GenerationResult:
    """What :func:`generate_claims` did."""

    claims_created: int = 0
    items_added: int = 0
    skipped_dates: list[date] = field(default_factory=list)


def _eligible_participations(
    *, month: date | None, user: User | None
) -> Select[tuple[Participation]]:
    query = (
        select(Participation)
        .options(lazyload(Participation.user))
        .outerjoin(FeeClaimItem, FeeClaimItem.participation_id == Participation.id)
        .where(
            FeeClaimItem.id.is_(None),
            Participation.attendance != Attendance.ABSENT,
            Participation.event_type.in_(list(FEE_EVENT_KINDS)),
            Participation.hours > 0,
        )
        .order_by(Participation.occurred_on, Participation.id)
    )
    if month is not None:
        query = query.where(Participation.occurred_on.between(month, month_end(month)))
    if user is not None:
        query = query.where(Participation.user_id == user.id)
    return query


def generate_claims(
    *, actor: User | None, month: date | None = None, user: User | None = None
) -> GenerationResult:
    """Create draft claims for attended meetings and assignments not yet claimed, and commit.

    One claim per payee, activity and month; new participations join that claim while it is
    still a draft or returned, otherwise a new claim is opened. Participations on dates no
    schedule covers are left for later and listed in ``skipped_dates``.

    A participation is claimed once (a unique item per participation): when a concurrent
    run (a double click) claimed some first, this run starts again without them.
    """
    try:
        return _generate_claims_once(actor=actor, month=month, user=user)
    except IntegrityError:
        db.session.rollback()
        return _generate_claims_once(actor=actor, month=month, user=user)


def _generate_claims_once(
    *, actor: User | None, month: date | None, user: User | None
) -> GenerationResult:
    result = GenerationResult()
    schedules = load_schedules()
    participations = list(
        db.session.scalars(_eligible_participations(month=month, user=user)).unique()
    )
    settings = {
        setting.activity_id: setting
        for setting in db.session.scalars(
            select(ActivityFeeSetting).where(
                ActivityFeeSetting.activity_id.in_({p.activity_id for p in participations})
            )
        )
    }
    groups: dict[tuple[int, int, date], list[Participation]] = defaultdict(list)
    for participation in participations:
        event = _work_event(participation, preparation=False)
        try:
            lines_for_event(event, schedule_for(schedules, participation.occurred_on))
        except ScheduleError:
            result.skipped_dates.append(participation.occurred_on)
            continue
        key = (participation.user_id, participation.activity_id, first_of_month(event.work_date))
        groups[key].append(participation)
    # Open claims the new participations may join, loaded with their lines in two queries.
    open_claims = {
        (claim.payee_id, claim.activity_id, claim.month): claim
        for claim in db.session.scalars(
            select(FeeClaim)
            .where(FeeClaim.state.in_([ClaimState.DRAFT, ClaimState.RETURNED]))
            .where(FeeClaim.payee_id == user.id if user is not None else true())
            .options(
                lazyload("*"),
                selectinload(FeeClaim.items).selectinload(FeeClaimItem.receipts),
                selectinload(FeeClaim.lines),
            )
        )
    }
    touched: list[tuple[FeeClaim, ActivityFeeSetting | None]] = []
    for (payee_id, activity_id, month_start), members in groups.items():
        setting = settings.get(activity_id)
        claim = open_claims.get((payee_id, activity_id, month_start))
        if claim is None:
            claim = FeeClaim(
                payee_id=payee_id,
                activity_id=activity_id,
                month=month_start,
                cost_centre=cost_centre_for(members[0].activity, setting),
                state=ClaimState.DRAFT,
                total=ZERO,
                items=[],
                lines=[],
            )
            db.session.add(claim)
            result.claims_created += 1
        for participation in members:
            kind = FEE_EVENT_KINDS[participation.event_type]
            claim.items.append(
                FeeClaimItem(
                    participation_id=participation.id,
                    work_date=participation.occurred_on,
                    kind=kind,
                    hours=participation.hours,
                    is_chair=participation.role == "chair" and kind is EventKind.MEETING,
                    km=Decimal(0),
                    route="",
                    hours_away=Decimal(0),
                    receipts=[],
                )
            )
            result.items_added += 1
        price_claim(claim, schedules, setting)
        touched.append((claim, setting))
    db.session.flush()
    for claim, _setting in touched:
        audit(
            actor,
            "claim_generated",
            "fee_claim",
            claim.id,
            items=len(claim.items),
            total=str(claim.total),
            state=claim.state,
        )
    db.session.commit()
    return result


def _work_event(participation: Participation, *, preparation: bool) -> WorkEvent:
    kind = FEE_EVENT_KINDS[participation.event_type]
    return WorkEvent(
        work_date=participation.occurred_on,
        kind=kind,
        hours=participation.hours,
        is_chair=participation.role == "chair" and kind is EventKind.MEETING,
        preparation=preparation,
    )


# --- the payee's changes ------------------------------------------------------------------


def can_view_claim(user: Any, claim: FeeClaim) -> bool:
    """The payee, coordinators and finance approvers may open a claim."""
    return claim.payee_id == getattr(user, "id", None) or any(
        user_has_permission(user, permission) for permission in ("fees.check", "fees.approve")
    )


def _require_editable_own(actor: User, claim: FeeClaim) -> None:
    if claim.payee_id != actor.id:
        raise FeeError("not_allowed")
    if not claim.is_editable:
        raise FeeError("not_editable")


def _reprice_and_audit(actor: User, claim: FeeClaim, action: str, **changes: Any) -> None:
    """Price the edited claim again and audit the edit with its new total (no commit)."""
    reprice_claim(claim)
    audit(actor, action, "fee_claim", claim.id, **changes, total=str(claim.total))


def update_travel(
    *, actor: User, item: FeeClaimItem, km: Decimal, route: str, hours_away: Decimal
) -> FeeClaim:
    """Set the kilometres (with route) and time away for one meeting; reprice and commit."""
    claim = item.claim
    _require_editable_own(actor, claim)
    if km < 0 or hours_away < 0 or hours_away > 24 or km > 5000:
        raise FeeError("travel_out_of_range")
    if km > 0 and not route.strip():
        raise FeeError("route_required")
    item.km = km
    item.route = route.strip()
    item.hours_away = hours_away
    _reprice_and_audit(actor, claim, "travel_saved", item=item.id, km=str(km))
    db.session.commit()
    return claim


def _uploads_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "fees"
    path.mkdir(parents=True, exist_ok=True)
    return path


def receipt_path(receipt: FeeReceipt) -> Path:
    return _uploads_dir() / receipt.stored_name


def sniff_receipt_type(data: bytes) -> tuple[str, str] | None:
    """``(content type, suffix)`` of a PDF, JPEG or PNG by its magic bytes, else None."""
    for magic, content_type, suffix in RECEIPT_TYPES:
        if data.startswith(magic):
            return content_type, suffix
    return None


def add_receipt(*, actor: User, item: FeeClaimItem, amount: Decimal, data: bytes) -> FeeReceipt:
    """Store a ticket receipt (PDF/JPEG/PNG, at most 5 MB) under a random name; commit.

    The file's own name is not kept: it is often the person's name or a phone's photo id.
    """
    claim = item.claim
    _require_editable_own(actor, claim)
    if not data:
        raise FeeError("receipt_empty")
    if len(data) > RECEIPT_MAX_BYTES:
        raise FeeError("receipt_too_large")
    sniffed = sniff_receipt_type(data)
    if sniffed is None:
        raise FeeError("receipt_type")
    if amount <= 0:
        raise FeeError("receipt_amount")
    content_type, suffix = sniffed
    stored_name = secrets.token_hex(16) + suffix
    path = _uploads_dir() / stored_name
    path.write_bytes(data)
    try:
        receipt = FeeReceipt(
            item=item,
            amount=amount,
            stored_name=stored_name,
            content_type=content_type,
            size=len(data),
        )
        db.session.add(receipt)
        db.session.flush()
        _reprice_and_audit(actor, claim, "receipt_added", receipt=receipt.id, amount=str(amount))
        db.session.commit()
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return receipt


def delete_receipt(*, actor: User, receipt: FeeReceipt) -> FeeClaim:
    """Remove a receipt and its file; reprice and commit."""
    item = receipt.item
    claim = item.claim
    _require_editable_own(actor, claim)
    path = receipt_path(receipt)
    item.receipts.remove(receipt)
    db.session.delete(receipt)
    db.session.flush()
    _reprice_and_audit(actor, claim, "receipt_removed", receipt=receipt.id)
    db.session.commit()
    path.unlink(missing_ok=True)
    return claim


# --- checking and approval ----------------------------------------------------------------


def transition_claim(
    claim: FeeClaim, actor: User | None, new_state: ClaimState, **extra: Any
) -> None:
    """Move ``claim`` to ``new_state`` and audit the step (does not commit)."""
    old_state = claim.state
    claim.state = new_state
    audit(
        actor,
        f"claim_{new_state}",
        "fee_claim",
        claim.id,
        **{"from": old_state, "to": str(new_state), "total": str(claim.total), **extra},
    )


def _locked_claim(claim_id: int) -> FeeClaim:
    # FOR UPDATE makes a second approver wait for the first one's commit and then see the
    # new state; SQLite ignores it (it has one writer at a time anyway).
    db.session.expire_all()
    claim = db.session.scalars(
        select(FeeClaim)
        .where(FeeClaim.id == claim_id)
        .options(lazyload("*"))
        .with_for_update(of=FeeClaim)
    ).first()
    if claim is None:
        raise FeeError("not_found")
    return claim


def submit_claim(*, actor: User, claim: FeeClaim) -> FeeClaim:
    """The payee sends the claim for checking; payment details must be complete."""
    _require_editable_own(actor, claim)
    if not claim.lines:
        raise FeeError("claim_empty")
    if not payee_details_complete(payee_details(actor)):
        raise FeeError("payee_details_missing")
    claim.submitted_at = utcnow()
    claim.return_reason = ""
    transition_claim(claim, actor, ClaimState.SUBMITTED)
    db.session.commit()
    return claim


def check_claim(*, actor: User, claim_id: int) -> FeeClaim:
    """A coordinator confirms the claim matches the attendance; it goes to finance."""
    claim = _locked_claim(claim_id)
    if claim.state != ClaimState.SUBMITTED:
        raise FeeError("wrong_state", state=claim.state)
    claim.checked_at = utcnow()
    claim.checked_by_id = actor.id
    transition_claim(claim, actor, ClaimState.CHECKED)
    db.session.commit()
    return claim


def approve_claim(*, actor: User, claim_id: int) -> FeeClaim:
    """A finance approver approves a checked claim for payment.

    Raises :class:`FeeError` ``already_approved`` when someone else was first.
    """
    claim = _locked_claim(claim_id)
    if claim.state in {ClaimState.APPROVED, ClaimState.PAID}:
        raise FeeError("already_approved")
    if claim.state != ClaimState.CHECKED:
        raise FeeError("wrong_state", state=claim.state)
    claim.approved_at = utcnow()
    claim.approved_by_id = actor.id
    transition_claim(claim, actor, ClaimState.APPROVED)
    db.session.commit()
    return claim


def return_claim(*, actor: User, claim_id: int, reason: str) -> FeeClaim:
    """Send a claim back to the payee with a reason (coordinator or finance); mail them."""
    claim = _locked_claim(claim_id)
    allowed_from = set()
    if user_has_permission(actor, "fees.check"):
        allowed_from.add(ClaimState.SUBMITTED)
    if user_has_permission(actor, "fees.approve"):
        allowed_from |= {ClaimState.SUBMITTED, ClaimState.CHECKED}
    if not allowed_from:
        raise FeeError("not_allowed")
    if claim.state not in allowed_from:
        raise FeeError("wrong_state", state=claim.state)
    if not reason.strip():
        raise FeeError("reason_required")
    claim.return_reason = reason.strip()
    transition_claim(claim, actor, ClaimState.RETURNED)
    payee = claim.payee
    mail_person(
        payee,
        subject=_l("Your fee claim was returned for changes"),
        template="fees/emails/claim_returned",
        name=payee.name,
        claim=claim,
        reason=claim.return_reason,
        claim_url=external_url("fees.show_claim", claim_id=claim.id),
    )
    db.session.commit()
    return claim


# --- reading ------------------------------------------------------------------------------


def claims_query(
    *,
    states: Iterable[str] | None = None,
    payee: User | None = None,
    month: date | None = None,
) -> Select[tuple[FeeClaim]]:
    """Claims newest month first, with payee and activity loaded in the same query."""
    query = select(FeeClaim).order_by(FeeClaim.month.desc(), FeeClaim.id.desc())
    if states is not None:
        query = query.where(FeeClaim.state.in_(list(states)))
    if payee is not None:
        query = query.where(FeeClaim.payee_id == payee.id)
    if month is not None:
        query = query.where(FeeClaim.month == month)
    return query


def load_claim_detail(claim_id: int) -> FeeClaim | None:
    return db.session.scalars(
        select(FeeClaim)
        .where(FeeClaim.id == claim_id)
        .options(
            selectinload(FeeClaim.items).selectinload(FeeClaimItem.receipts),
            selectinload(FeeClaim.lines),
        )
    ).first()
