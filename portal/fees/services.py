"""Fee schedules, payee details, claims, approval, payment batches, exports and reports.

Claims are derived from impact ``Participation`` rows (attended council meetings, panel
sessions and expert assignments). Every amount comes from
:func:`portal.fees.calculation.compute_claim_lines`, priced by the schedule of the date of
the work and rounded once per line. Two database rules make double payment impossible:
``fee_claim_lines (participation_id, code)`` is unique (a meeting is claimed once) and
``fee_payment_batch_lines.line_id`` is unique (a line is paid once); batching also locks
the claims it takes with ``SELECT ... FOR UPDATE`` so a second approver waits and then
finds nothing left, instead of failing on the constraint.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, extract, func, insert, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from portal.accounts.models import User
from portal.core.audit import changed_fields, record_audit
from portal.core.db import Money, utcnow
from portal.core.identifiers import (
    normalise_business_id,
    normalise_iban,
    parse_personal_identity_code,
)
from portal.core.mail import queue_mail
from portal.core.money import ZERO, sum_money
from portal.core.permissions import user_has_permission
from portal.core.personal_data import register_personal_data
from portal.core.urls import external_url
from portal.extensions import db
from portal.fees.calculation import (
    TAXABLE_CODES,
    BatchTotals,
    ClaimLine,
    EventKind,
    FeeSchedule,
    LineCode,
    MeetingFeeTier,
    ScheduleError,
    TravelRates,
    WorkEvent,
    batch_totals,
    claim_total,
    compute_claim_lines,
    lines_for_event,
    schedule_for,
    validate_schedules,
)
from portal.fees.models import (
    ActivityFeeSetting,
    ClaimState,
    FeeClaim,
    FeeClaimItem,
    FeeClaimLine,
    FeeInvoice,
    FeeReceipt,
    FeeScheduleVersion,
    MeetingFeeTierRow,
    PayeeDetails,
    PaymentBatch,
    PaymentBatchLine,
    PaymentMethod,
    TravelRateYear,
)
from portal.fees.references import create_reference
from portal.impact.costs import register_cost_provider
from portal.impact.metrics import CostRow
from portal.impact.models import Activity, Attendance, Participation

#: Occasions that earn a fee, and how each is priced.
FEE_EVENT_KINDS: dict[str, EventKind] = {
    "council_meeting": EventKind.MEETING,
    "panel_session": EventKind.MEETING,
    "expert_assignment": EventKind.ASSIGNMENT,
}
TRAVEL_CODES = frozenset(LineCode) - TAXABLE_CODES
RECEIPT_MAX_BYTES = 5 * 1024 * 1024
RECEIPT_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
INVOICE_PAYMENT_DAYS = 14


class FeeError(ValueError):
    """A fee rule was broken; ``code`` names it for a translated message, ``params`` fill it."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


# --- schedules --------------------------------------------------------------------------


def _travel_rates() -> tuple[TravelRates, ...]:
    rows = db.session.scalars(select(TravelRateYear).order_by(TravelRateYear.year))
    return tuple(
        TravelRates(row.year, row.km_rate, row.part_day_allowance, row.full_day_allowance)
        for row in rows
    )


def _as_schedule(
    row: FeeScheduleVersion | None, travel: tuple[TravelRates, ...], **values: Any
) -> FeeSchedule:
    if row is not None:
        values = {**_schedule_values(row), **values}
    return FeeSchedule(
        valid_from=values["valid_from"],
        valid_to=values["valid_to"],
        meeting_fee_tiers=tuple(MeetingFeeTier(limit, amount) for limit, amount in values["tiers"]),
        hourly_fee=values["hourly_fee"],
        preparation_fee=values["preparation_fee"],
        chair_extra=values["chair_extra"],
        travel_rates=travel,
        part_day_over_hours=values["part_day_over_hours"],
        full_day_over_hours=values["full_day_over_hours"],
    )


def _schedule_values(row: FeeScheduleVersion) -> dict[str, Any]:
    return {
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "tiers": [(tier.up_to_hours, tier.amount) for tier in row.tiers],
        "hourly_fee": row.hourly_fee,
        "preparation_fee": row.preparation_fee,
        "chair_extra": row.chair_extra,
        "part_day_over_hours": row.part_day_over_hours,
        "full_day_over_hours": row.full_day_over_hours,
    }


def list_schedule_versions() -> list[FeeScheduleVersion]:
    return list(
        db.session.scalars(select(FeeScheduleVersion).order_by(FeeScheduleVersion.valid_from))
    )


def list_travel_rates() -> list[TravelRateYear]:
    return list(db.session.scalars(select(TravelRateYear).order_by(TravelRateYear.year.desc())))


def load_schedules() -> tuple[FeeSchedule, ...]:
    """Every stored schedule version as a :class:`FeeSchedule`, with all years' travel rates."""
    travel = _travel_rates()
    schedules = []
    for row in list_schedule_versions():
        try:
            schedules.append(_as_schedule(row, travel))
        except ValueError:
            # A year's travel rates were never entered: the dates it covers price nothing
            # until an administrator adds them (claims for them are reported as skipped).
            continue
    return tuple(schedules)


def save_fee_schedule(
    *,
    actor: User,
    schedule: FeeScheduleVersion | None,
    valid_from: date,
    valid_to: date | None,
    tiers: Sequence[tuple[Decimal | None, Decimal]],
    hourly_fee: Decimal,
    preparation_fee: Decimal,
    chair_extra: Decimal,
    part_day_over_hours: Decimal = Decimal(6),
    full_day_over_hours: Decimal = Decimal(10),
    note: str = "",
) -> FeeScheduleVersion:
    """Create or change a schedule version after checking it fits the timeline, and commit.

    Raises :class:`FeeError` ``schedule_invalid`` (tiers, thresholds or dates),
    ``travel_rates_missing`` or ``schedule_<overlap|gap|open_ended_not_last>`` with ``day``.
    Lines already computed keep their prices; drafts are repriced when next edited.
    """
    travel = _travel_rates()
    values = {
        "valid_from": valid_from,
        "valid_to": valid_to,
        "tiers": list(tiers),
        "hourly_fee": hourly_fee,
        "preparation_fee": preparation_fee,
        "chair_extra": chair_extra,
        "part_day_over_hours": part_day_over_hours,
        "full_day_over_hours": full_day_over_hours,
    }
    try:
        candidate = _as_schedule(None, travel, **values)
    except ValueError as error:
        if "travel rates missing" in str(error):
            raise FeeError("travel_rates_missing") from None
        raise FeeError("schedule_invalid") from None
    other_rows = [
        row for row in list_schedule_versions() if schedule is None or row.id != schedule.id
    ]
    closed: FeeScheduleVersion | None = None
    if schedule is None:
        # A new version starting after the open-ended current one ends the current one the
        # day before: that is what "new fees from 1 June" means.
        current = [row for row in other_rows if row.valid_to is None]
        if current and current[0].valid_from < valid_from:
            closed = current[0]
    others = [
        _as_schedule(
            row,
            travel,
            **({"valid_to": valid_from - timedelta(days=1)} if row is closed else {}),
        )
        for row in other_rows
    ]
    try:
        validate_schedules([*others, candidate])
    except ScheduleError as error:
        raise FeeError(f"schedule_{error.code}", day=error.day) from None
    created = schedule is None
    if closed is not None:
        closed.valid_to = valid_from - timedelta(days=1)
        record_audit(
            actor=actor,
            action="fees.schedule_changed",
            object_type="fee_schedule",
            object_id=closed.id,
            changes={"valid_to": closed.valid_to.isoformat()},
        )
    if schedule is None:
        schedule = FeeScheduleVersion()
        db.session.add(schedule)
    schedule.valid_from = valid_from
    schedule.valid_to = valid_to
    schedule.hourly_fee = hourly_fee
    schedule.preparation_fee = preparation_fee
    schedule.chair_extra = chair_extra
    schedule.part_day_over_hours = part_day_over_hours
    schedule.full_day_over_hours = full_day_over_hours
    schedule.note = note.strip()
    schedule.tiers = [
        MeetingFeeTierRow(position=index, up_to_hours=limit, amount=amount)
        for index, (limit, amount) in enumerate(tiers)
    ]
    db.session.flush()
    record_audit(
        actor=actor,
        action="fees.schedule_created" if created else "fees.schedule_changed",
        object_type="fee_schedule",
        object_id=schedule.id,
        changes={
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
            "tiers": [[str(limit) if limit else None, str(amount)] for limit, amount in tiers],
            "hourly_fee": str(hourly_fee),
            "preparation_fee": str(preparation_fee),
            "chair_extra": str(chair_extra),
        },
    )
    db.session.commit()
    return schedule


def save_travel_rates(
    *,
    actor: User,
    year: int,
    km_rate: Decimal,
    part_day_allowance: Decimal,
    full_day_allowance: Decimal,
) -> TravelRateYear:
    """Set one year's kilometre allowance and daily allowances, and commit."""
    if not 2000 <= year <= 2100:
        raise FeeError("year_out_of_range")
    TravelRates(year, km_rate, part_day_allowance, full_day_allowance)  # validates amounts
    row = db.session.scalars(select(TravelRateYear).where(TravelRateYear.year == year)).first()
    if row is None:
        row = TravelRateYear(year=year)
        db.session.add(row)
    row.km_rate = km_rate
    row.part_day_allowance = part_day_allowance
    row.full_day_allowance = full_day_allowance
    db.session.flush()
    record_audit(
        actor=actor,
        action="fees.travel_rates_saved",
        object_type="fee_travel_rates",
        object_id=year,
        changes={
            "km_rate": str(km_rate),
            "part_day_allowance": str(part_day_allowance),
            "full_day_allowance": str(full_day_allowance),
        },
    )
    db.session.commit()
    return row


# --- activities ----------------------------------------------------------------------------


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
    setting = activity_setting(activity)
    if setting is None:
        setting = ActivityFeeSetting(activity_id=activity.id)
        db.session.add(setting)
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
        _price_claim(claim, schedules, setting)
    record_audit(
        actor=actor,
        action="fees.activity_setting_saved",
        object_type="activity",
        object_id=activity.id,
        changes={"cost_centre": setting.cost_centre, "pays_preparation": pays_preparation},
    )
    db.session.commit()
    return setting


# --- payee details ------------------------------------------------------------------------


def payee_details(user: User) -> PayeeDetails | None:
    return db.session.scalars(select(PayeeDetails).where(PayeeDetails.user_id == user.id)).first()


def payee_details_complete(details: PayeeDetails | None) -> bool:
    if details is None or not details.iban:
        return False
    if details.method == PaymentMethod.PAYROLL:
        return bool(details.identity_code)
    return bool(details.business_id and details.organisation_name and details.billing_address)


def save_payee_details(
    *,
    actor: User,
    user: User,
    method: str,
    identity_code: str = "",
    iban: str = "",
    organisation_name: str = "",
    business_id: str = "",
    billing_address: str = "",
    today: date | None = None,
) -> PayeeDetails:
    """Save how ``user`` is paid, and commit.

    Blank ``identity_code`` or ``iban`` keep the stored value (forms never show it back).
    Identifiers are validated with their real check digits; invalid ones raise the
    ``InvalidIdentifier`` subclasses of :mod:`portal.core.identifiers`, missing required
    ones raise :class:`FeeError` ``<field>_required``. The audit entry names changed fields
    only, never values.
    """
    if method not in set(PaymentMethod):
        raise FeeError("unknown_method")
    details = payee_details(user)
    if details is None:
        details = PayeeDetails(user_id=user.id, organisation_name="", business_id="")
        details.billing_address = ""
        db.session.add(details)
        before = dict.fromkeys(_payee_snapshot(details), "")
    else:
        before = _payee_snapshot(details)
    before = {key: value or "" for key, value in before.items()}
    if identity_code.strip():
        details.identity_code = parse_personal_identity_code(
            identity_code, today=today or date.today()
        ).value
    if iban.strip():
        details.iban = normalise_iban(iban, require_sepa=True)
    details.method = method
    if method == PaymentMethod.PAYROLL:
        if not details.identity_code:
            raise FeeError("identity_code_required")
    else:
        if not organisation_name.strip():
            raise FeeError("organisation_name_required")
        if not billing_address.strip():
            raise FeeError("billing_address_required")
        details.business_id = normalise_business_id(business_id)
    details.organisation_name = organisation_name.strip()
    details.billing_address = billing_address.strip()
    if method == PaymentMethod.PAYROLL:
        details.business_id = ""
    if not details.iban:
        raise FeeError("iban_required")
    db.session.flush()
    record_audit(
        actor=actor,
        action="fees.payee_details_saved",
        object_type="user",
        object_id=user.id,
        changes={
            "fields": changed_fields(
                before, {key: value or "" for key, value in _payee_snapshot(details).items()}
            ),
            "method": method,
        },
    )
    db.session.commit()
    return details


def _payee_snapshot(details: PayeeDetails) -> dict[str, Any]:
    return {
        "method": details.method,
        "identity_code": details.identity_code,
        "iban": details.iban,
        "organisation_name": details.organisation_name,
        "business_id": details.business_id,
        "billing_address": details.billing_address,
    }


def reveal_payee_identifiers(*, actor: User, details: PayeeDetails) -> dict[str, str | None]:
    """The full identity code and IBAN, for a finance approver; each call is audited."""
    if not user_has_permission(actor, "fees.see_identifiers"):
        raise FeeError("not_allowed")
    record_audit(
        actor=actor,
        action="fees.identifiers_viewed",
        object_type="user",
        object_id=details.user_id,
        changes={"fields": ["iban", "identity_code"]},
    )
    db.session.commit()
    return {"identity_code": details.identity_code, "iban": details.iban}


def payees_query(search: str = "") -> Select[tuple[PayeeDetails]]:
    query = select(PayeeDetails).join(PayeeDetails.user).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(User.name).like(pattern)
            | func.lower(PayeeDetails.organisation_name).like(pattern)
        )
    return query


# --- claims ---------------------------------------------------------------------------------


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
    """
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
        _price_claim(claim, schedules, setting)
        touched.append((claim, setting))
    db.session.flush()
    for claim, _setting in touched:
        record_audit(
            actor=actor,
            action="fees.claim_generated",
            object_type="fee_claim",
            object_id=claim.id,
            changes={"items": len(claim.items), "total": str(claim.total), "state": claim.state},
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


def _price_claim(
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


def _reprice(claim: FeeClaim) -> None:
    _price_claim(claim, load_schedules(), activity_setting(claim.activity))


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
    _reprice(claim)
    record_audit(
        actor=actor,
        action="fees.travel_saved",
        object_type="fee_claim",
        object_id=claim.id,
        changes={"item": item.id, "km": str(km), "total": str(claim.total)},
    )
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
        _reprice(claim)
        record_audit(
            actor=actor,
            action="fees.receipt_added",
            object_type="fee_claim",
            object_id=claim.id,
            changes={"receipt": receipt.id, "amount": str(amount), "total": str(claim.total)},
        )
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
    _reprice(claim)
    record_audit(
        actor=actor,
        action="fees.receipt_removed",
        object_type="fee_claim",
        object_id=claim.id,
        changes={"receipt": receipt.id, "total": str(claim.total)},
    )
    db.session.commit()
    path.unlink(missing_ok=True)
    return claim


def _transition(claim: FeeClaim, actor: User | None, new_state: ClaimState, **extra: Any) -> None:
    old_state = claim.state
    claim.state = new_state
    record_audit(
        actor=actor,
        action=f"fees.claim_{new_state}",
        object_type="fee_claim",
        object_id=claim.id,
        changes={"from": old_state, "to": str(new_state), "total": str(claim.total), **extra},
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
    _transition(claim, actor, ClaimState.SUBMITTED)
    db.session.commit()
    return claim


def check_claim(*, actor: User, claim_id: int) -> FeeClaim:
    """A coordinator confirms the claim matches the attendance; it goes to finance."""
    claim = _locked_claim(claim_id)
    if claim.state != ClaimState.SUBMITTED:
        raise FeeError("wrong_state", state=claim.state)
    claim.checked_at = utcnow()
    claim.checked_by_id = actor.id
    _transition(claim, actor, ClaimState.CHECKED)
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
    _transition(claim, actor, ClaimState.APPROVED)
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
    _transition(claim, actor, ClaimState.RETURNED)
    payee = claim.payee
    queue_mail(
        to=payee.email,
        subject=_l("Your fee claim was returned for changes"),
        template="fees/emails/claim_returned",
        locale=payee.locale,
        name=payee.name,
        claim=claim,
        reason=claim.return_reason,
        claim_url=external_url("fees.show_claim", claim_id=claim.id),
    )
    db.session.commit()
    return claim


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


# --- payment batches --------------------------------------------------------------------------


def batch_candidates() -> list[tuple[date, str, int, Decimal]]:
    """Approved, unbatched claims grouped as ``(month, cost centre, count, total)``."""
    rows = db.session.execute(
        select(
            FeeClaim.month, FeeClaim.cost_centre, func.count(FeeClaim.id), func.sum(FeeClaim.total)
        )
        .where(FeeClaim.state == ClaimState.APPROVED, FeeClaim.batch_id.is_(None))
        .group_by(FeeClaim.month, FeeClaim.cost_centre)
        .order_by(FeeClaim.month, FeeClaim.cost_centre)
    )
    # ``total`` is a Money column, but SUM comes back as raw cents.
    return [
        (m, cc, n, (Decimal(int(t or 0)) / 100).quantize(Decimal("0.01"))) for m, cc, n, t in rows
    ]


def create_payment_batch(*, actor: User, month: date, cost_centre: str) -> PaymentBatch:
    """Collect the approved claims of a month and cost centre into a batch, and commit.

    Organisation payees get an invoice with a national reference number. Raises
    :class:`FeeError` ``nothing_to_batch`` when no approved claim is left (for example
    because another approver batched them a moment earlier) and ``already_paid`` if the
    database refuses a line that is already in a batch.
    """
    month = first_of_month(month)
    db.session.expire_all()
    claims = list(
        db.session.scalars(
            select(FeeClaim)
            .where(
                FeeClaim.state == ClaimState.APPROVED,
                FeeClaim.batch_id.is_(None),
                FeeClaim.month == month,
                FeeClaim.cost_centre == cost_centre,
            )
            .order_by(FeeClaim.id)
            .options(lazyload("*"), selectinload(FeeClaim.lines))
            .with_for_update(of=FeeClaim)
        ).unique()
    )
    if not claims:
        db.session.rollback()
        raise FeeError("nothing_to_batch")
    totals = batch_totals([[_as_claim_line(line) for line in claim.lines] for claim in claims])
    batch = PaymentBatch(
        month=month, cost_centre=cost_centre, total=totals.total, created_by_id=actor.id
    )
    db.session.add(batch)
    db.session.flush()
    today = date.today()
    details = {
        d.user_id: d
        for d in db.session.scalars(
            select(PayeeDetails).where(PayeeDetails.user_id.in_({c.payee_id for c in claims}))
        )
    }
    invoices = []
    for claim in claims:
        claim.batch_id = batch.id
        _transition(claim, actor, ClaimState.PAID, batch=batch.id)
        payee = details.get(claim.payee_id)
        if payee is not None and payee.method == PaymentMethod.INVOICE:
            invoice = FeeInvoice(
                batch_id=batch.id,
                claim_id=claim.id,
                invoice_date=today,
                due_date=today + timedelta(days=INVOICE_PAYMENT_DAYS),
                amount=claim.total,
            )
            db.session.add(invoice)
            invoices.append(invoice)
    db.session.flush()
    for invoice in invoices:
        # The year keeps references distinct across years and long enough for the rules.
        invoice.reference = create_reference(f"{today.year}{invoice.id:06d}")
    record_audit(
        actor=actor,
        action="fees.batch_created",
        object_type="fee_batch",
        object_id=batch.id,
        changes={
            "month": month.isoformat(),
            "cost_centre": cost_centre,
            "claims": totals.claim_count,
            "lines": totals.line_count,
            "total": str(totals.total),
        },
    )
    try:
        # The unique line_id is the last word: a line already in a batch fails the insert.
        db.session.execute(
            insert(PaymentBatchLine),
            [
                {"batch_id": batch.id, "line_id": line.id, "amount": line.amount}
                for claim in claims
                for line in claim.lines
            ],
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise FeeError("already_paid") from None
    return batch


def _as_claim_line(line: FeeClaimLine) -> ClaimLine:
    return ClaimLine(LineCode(line.code), line.work_date, line.quantity, line.unit_price)


def batch_summary(batch: PaymentBatch) -> BatchTotals:
    """Totals of a batch recomputed from its paid lines (equals ``batch.total``)."""
    lines = db.session.scalars(
        select(FeeClaimLine)
        .join(PaymentBatchLine, PaymentBatchLine.line_id == FeeClaimLine.id)
        .where(PaymentBatchLine.batch_id == batch.id)
        .order_by(FeeClaimLine.claim_id, FeeClaimLine.id)
    )
    by_claim: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        by_claim[line.claim_id].append(_as_claim_line(line))
    return batch_totals(by_claim.values())


def batches_query() -> Select[tuple[PaymentBatch]]:
    return select(PaymentBatch).order_by(PaymentBatch.created_at.desc(), PaymentBatch.id.desc())


PAYROLL_COLUMNS = (
    "person",
    "identity_code",
    "fee_type",
    "taxable",
    "work_date",
    "quantity",
    "unit_price",
    "amount",
    "period",
    "cost_centre",
    "claim",
    "batch",
)


def payroll_csv(*, actor: User, batch: PaymentBatch) -> str:
    """The batch's payroll payees' lines as CSV (``;``-separated, decimal comma), audited."""
    if not user_has_permission(actor, "fees.see_identifiers"):
        raise FeeError("not_allowed")
    rows = db.session.execute(
        select(FeeClaimLine, FeeClaim, PayeeDetails, User)
        .join(PaymentBatchLine, PaymentBatchLine.line_id == FeeClaimLine.id)
        .join(FeeClaim, FeeClaim.id == FeeClaimLine.claim_id)
        .join(PayeeDetails, PayeeDetails.user_id == FeeClaim.payee_id)
        .join(User, User.id == FeeClaim.payee_id)
        .where(
            PaymentBatchLine.batch_id == batch.id,
            PayeeDetails.method == PaymentMethod.PAYROLL,
        )
        .order_by(User.name, FeeClaim.id, FeeClaimLine.work_date, FeeClaimLine.id)
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(PAYROLL_COLUMNS)
    total = ZERO
    for line, claim, details, user in rows:
        total += line.amount
        writer.writerow(
            [
                user.name,
                details.identity_code,
                line.code,
                "1" if line.taxable else "0",
                line.work_date.isoformat(),
                _comma(line.quantity),
                _comma(line.unit_price),
                _comma(line.amount),
                batch.month.strftime("%Y-%m"),
                claim.cost_centre,
                claim.id,
                batch.id,
            ]
        )
    batch.payroll_exported_at = utcnow()
    record_audit(
        actor=actor,
        action="fees.payroll_exported",
        object_type="fee_batch",
        object_id=batch.id,
        changes={"rows": len(rows), "total": str(total)},
    )
    db.session.commit()
    return buffer.getvalue()


def _comma(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def invoice_pdf(*, actor: User, invoice: FeeInvoice) -> bytes:
    """Render an organisation payee's invoice as PDF (audited: it shows the IBAN in full)."""
    from portal.fees.invoices import render_invoice_pdf

    if not user_has_permission(actor, "fees.see_identifiers"):
        raise FeeError("not_allowed")
    details = payee_details(invoice.claim.payee)
    if details is None or not details.iban:
        raise FeeError("payee_details_missing")
    claim = load_claim_detail(invoice.claim_id)
    assert claim is not None
    data = render_invoice_pdf(
        invoice=invoice,
        claim=claim,
        details=details,
        buyer=current_app.config["PORTAL"].county_name,
    )
    record_audit(
        actor=actor,
        action="fees.invoice_exported",
        object_type="fee_invoice",
        object_id=invoice.id,
        changes={"amount": str(invoice.amount), "batch": invoice.batch_id},
    )
    db.session.commit()
    return data


# --- reports ---------------------------------------------------------------------------------

REPORTED_STATES = (ClaimState.APPROVED, ClaimState.PAID)
REPORT_GROUPINGS = ("activity", "cost_centre", "month")


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    fees: Decimal
    travel: Decimal
    claims: int

    @property
    def total(self) -> Decimal:
        return self.fees + self.travel


def _money_or_zero(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value


def _fee_and_travel_columns() -> tuple[Any, Any]:
    # Money columns are whole cents in the database, so the SUMs are exact integers that
    # the Money type turns back into euros.
    amount = FeeClaimLine.amount
    fees = func.sum(case((FeeClaimLine.taxable.is_(True), amount), else_=0), type_=Money())
    travel = func.sum(case((FeeClaimLine.taxable.is_(False), amount), else_=0), type_=Money())
    return fees, travel


def fee_report(*, year: int, group_by: str, locale: str = "fi") -> list[ReportRow]:
    """Approved and paid fees and travel of ``year`` (by date of work), one grouped query."""
    if group_by not in REPORT_GROUPINGS:
        raise FeeError("unknown_grouping")
    fees, travel = _fee_and_travel_columns()
    start, end = date(year, 1, 1), date(year, 12, 31)
    if group_by == "activity":
        key_columns: tuple[Any, ...] = (Activity.id, Activity.title)
    elif group_by == "cost_centre":
        key_columns = (FeeClaim.cost_centre,)
    else:
        key_columns = (FeeClaim.month,)
    query = (
        select(*key_columns, fees, travel, func.count(func.distinct(FeeClaim.id)))
        .select_from(FeeClaimLine)
        .join(FeeClaim, FeeClaim.id == FeeClaimLine.claim_id)
        .where(FeeClaim.state.in_(REPORTED_STATES), FeeClaimLine.work_date.between(start, end))
        .group_by(*key_columns)
        .order_by(*key_columns)
    )
    if group_by == "activity":
        query = query.join(Activity, Activity.id == FeeClaim.activity_id)
    rows = []
    for row in db.session.execute(query):
        if group_by == "activity":
            key, label = str(row[0]), row[1]
        elif group_by == "cost_centre":
            key = label = row[0]
        else:
            key = label = row[0].strftime("%Y-%m")
        rows.append(
            ReportRow(
                key=key,
                label=label,
                fees=_money_or_zero(row[-3]),
                travel=_money_or_zero(row[-2]),
                claims=int(row[-1]),
            )
        )
    return rows


def payee_annual_summary(*, user: User, year: int) -> list[ReportRow]:
    """One payee's approved and paid amounts of ``year`` per month, for their own records."""
    fees, travel = _fee_and_travel_columns()
    query = (
        select(FeeClaim.month, fees, travel, func.count(func.distinct(FeeClaim.id)))
        .select_from(FeeClaimLine)
        .join(FeeClaim, FeeClaim.id == FeeClaimLine.claim_id)
        .where(
            FeeClaim.payee_id == user.id,
            FeeClaim.state.in_(REPORTED_STATES),
            extract("year", FeeClaim.month) == year,
        )
        .group_by(FeeClaim.month)
        .order_by(FeeClaim.month)
    )
    return [
        ReportRow(
            key=month.strftime("%Y-%m"),
            label=month.strftime("%Y-%m"),
            fees=_money_or_zero(fee_cents),
            travel=_money_or_zero(travel_cents),
            claims=int(count),
        )
        for month, fee_cents, travel_cents, count in db.session.execute(query)
    ]


def report_csv(rows: Sequence[ReportRow], *, key_header: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([key_header, "fees", "travel", "total", "claims"])
    for row in rows:
        writer.writerow(
            [row.label, _comma(row.fees), _comma(row.travel), _comma(row.total), row.claims]
        )
    writer.writerow(
        [
            "TOTAL",
            _comma(sum_money(r.fees for r in rows)),
            _comma(sum_money(r.travel for r in rows)),
            _comma(sum_money(r.total for r in rows)),
            sum(r.claims for r in rows),
        ]
    )
    return buffer.getvalue()


def fee_cost_rows(start: date, end: date) -> list[CostRow]:
    """Approved and paid fees and travel per activity and day of work (impact cost provider)."""
    fees, travel = _fee_and_travel_columns()
    query = (
        select(FeeClaim.activity_id, FeeClaimLine.work_date, fees, travel)
        .select_from(FeeClaimLine)
        .join(FeeClaim, FeeClaim.id == FeeClaimLine.claim_id)
        .where(FeeClaim.state.in_(REPORTED_STATES), FeeClaimLine.work_date.between(start, end))
        .group_by(FeeClaim.activity_id, FeeClaimLine.work_date)
        .order_by(FeeClaim.activity_id, FeeClaimLine.work_date)
    )
    return [
        CostRow(
            activity_id=activity_id,
            incurred_on=work_date,
            fees=_money_or_zero(fee_cents),
            travel=_money_or_zero(travel_cents),
        )
        for activity_id, work_date, fee_cents, travel_cents in db.session.execute(query)
    ]


register_cost_provider(fee_cost_rows)


# --- personal data ----------------------------------------------------------------------------


def _export_fees(user: User) -> dict[str, Any] | None:
    details = payee_details(user)
    claims = list(db.session.scalars(claims_query(payee=user)))
    if details is None and not claims:
        return None
    return {
        "payment_details": None
        if details is None
        else {
            "method": details.method,
            # Shown masked here as everywhere outside finance; finance can confirm the rest.
            "identity_code": details.masked_identity_code,
            "iban": details.masked_iban,
            "organisation_name": details.organisation_name,
            "business_id": details.business_id,
            "billing_address": details.billing_address,
        },
        "claims": [
            {
                "id": claim.id,
                "activity": claim.activity.title,
                "month": claim.month.isoformat(),
                "state": claim.state,
                "total": str(claim.total),
                "lines": [
                    {
                        "code": line.code,
                        "work_date": line.work_date.isoformat(),
                        "quantity": str(line.quantity),
                        "unit_price": str(line.unit_price),
                        "amount": str(line.amount),
                    }
                    for line in claim.lines
                ],
            }
            for claim in claims
        ],
    }


def _erase_fees(user: User) -> None:
    # Paid amounts stay for bookkeeping (accounting law), linked to the tombstone only;
    # payment details, routes and receipt files go.
    details = payee_details(user)
    if details is not None:
        db.session.delete(details)
    items = db.session.scalars(
        select(FeeClaimItem).join(FeeClaim).where(FeeClaim.payee_id == user.id)
    )
    for item in items:
        item.route = ""
        for receipt in list(item.receipts):
            if not item.claim.is_editable:
                continue
            receipt_path(receipt).unlink(missing_ok=True)
            item.receipts.remove(receipt)
    db.session.flush()


register_personal_data("fees", export=_export_fees, erase=_erase_fees)
