"""Per-activity fee settings (cost centre, preparation fee) and pricing a claim's lines."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.service_rows import row_for_key
from portal.extensions import db
from portal.fees.calculation import (
    EventKind,
    FeeSchedule,
    ScheduleError,
    WorkEvent,
    claim_total,
    compute_claim_lines,
    lines_for_event,
    schedule_for,
)
from portal.fees.models import ActivityFeeSetting, ClaimState, FeeClaim, FeeClaimItem, FeeClaimLine
from portal.fees.services._common import FeeError, audit
from portal.fees.services.schedules import load_schedules
from portal.impact.models import Activity


def activity_setting(activity: Activity) -> ActivityFeeSetting | None:
    return db.session.scalars(
        select(ActivityFeeSetting).where(ActivityFeeSetting.activity_id == activity.id)
    ).first()


def default_cost_centre(activity: Activity) -> str:
    """The organisation unit's id padded to four digits, or ``0000`` for the county itself."""
    return f"{activity.org_unit_id or 0:04d}"


def cost_centre_for(activity: Activity, setting: ActivityFeeSetting | None) -> str:
    if setting is not None and setting.cost_centre:
        return setting.cost_centre
    return default_cost_centre(activity)


def save_activity_setting(
    *, actor: User, activity: Activity, cost_centre: str, pays_preparation: bool
) -> ActivityFeeSetting:
    """Set an activity's cost centre and preparation fee rule; reprice its open claims."""
    setting = row_for_key(ActivityFeeSetting, activity_id=activity.id)
    setting.cost_centre = cost_centre.strip()
    setting.pays_preparation = pays_preparation
    db.session.flush()
    schedules = load_schedules()
    open_claims = db.session.scalars(
        select(FeeClaim).where(
            FeeClaim.activity_id == activity.id,
            FeeClaim.state.in_([ClaimState.DRAFT, ClaimState.RETURNED, ClaimState.SUBMITTED]),
        )
    )
    for claim in open_claims:
        claim.cost_centre = cost_centre_for(activity, setting)
        price_claim(claim, schedules, setting)
    audit(
        actor,
        "activity_setting_saved",
        "activity",
        activity.id,
        cost_centre=setting.cost_centre,
        pays_preparation=pays_preparation,
    )
    db.session.commit()
    return setting


def _item_event(item: FeeClaimItem, *, preparation: bool) -> WorkEvent:
    tickets = item.tickets_total
    return WorkEvent(
        work_date=item.work_date,
        kind=EventKind(item.kind),
        hours=item.hours,
        is_chair=item.is_chair,
        preparation=preparation,
        km=item.km,
        tickets=(tickets,) if tickets > 0 else (),
        hours_away=item.hours_away,
    )


def price_claim(
    claim: FeeClaim, schedules: Sequence[FeeSchedule], setting: ActivityFeeSetting | None
) -> None:
    """Replace the claim's lines with freshly computed ones (does not commit).

    Old lines are deleted and flushed first: the unit of work inserts before it deletes, and
    the new lines carry the same ``(participation_id, code)`` keys.
    """
    preparation = bool(setting and setting.pays_preparation)
    items = list(claim.items)
    events = [_item_event(item, preparation=preparation) for item in items]
    try:
        kept = compute_claim_lines(events, schedules)
    except ScheduleError as error:
        raise FeeError("no_schedule", day=error.day) from None
    # compute_claim_lines drops duplicate daily allowances but keeps order, so its output is
    # a subsequence of the per-event lines: walk both to know each line's participation.
    owners: list[FeeClaimItem] = []
    position = 0
    for item, event in zip(items, events, strict=True):
        for line in lines_for_event(event, schedule_for(schedules, event.work_date)):
            if position < len(kept) and kept[position] == line:
                owners.append(item)
                position += 1
    if claim.lines:
        claim.lines.clear()
        db.session.flush()
    for line, item in zip(kept, owners, strict=True):
        claim.lines.append(
            FeeClaimLine(
                participation_id=item.participation_id,
                code=line.code,
                work_date=line.work_date,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                taxable=line.taxable,
            )
        )
    claim.total = claim_total(kept)


def reprice_claim(claim: FeeClaim) -> None:
    """Price ``claim`` again with the stored schedules and its activity's setting."""
    price_claim(claim, load_schedules(), activity_setting(claim.activity))
