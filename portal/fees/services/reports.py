"""Approved and paid fees and travel by activity, cost centre and month; impact costs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, extract, func, select

from portal.accounts.models import User
from portal.core.csv_export import csv_text
from portal.core.db import Money
from portal.core.money import ZERO, sum_money
from portal.extensions import db
from portal.fees.models import ClaimState, FeeClaim, FeeClaimLine
from portal.fees.services._common import FeeError, decimal_comma
from portal.impact.metrics import CostRow
from portal.impact.models import Activity

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
    """The report as CSV (``;``-separated, decimal comma) with a TOTAL line at the end."""
    lines = [
        [
            row.label,
            decimal_comma(row.fees),
            decimal_comma(row.travel),
            decimal_comma(row.total),
            row.claims,
        ]
        for row in rows
    ]
    lines.append(
        [
            "TOTAL",
            decimal_comma(sum_money(r.fees for r in rows)),
            decimal_comma(sum_money(r.travel for r in rows)),
            decimal_comma(sum_money(r.total for r in rows)),
            sum(r.claims for r in rows),
        ]
    )
    return csv_text([key_header, "fees", "travel", "total", "claims"], lines)


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
