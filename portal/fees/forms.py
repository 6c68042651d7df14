"""Forms of the fees domain: payee details, travel, receipts, review, schedules, batches."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import Form, choice_list, count_field, no_markup, strip_filter
from portal.core.identifiers import (
    IdentifierError,
    InvalidIdentifier,
    normalise_business_id,
    parse_iban,
    parse_personal_identity_code,
)
from portal.core.money import InvalidMoney, MoneyError, parse_money
from portal.fees.models import PaymentMethod


def money_messages() -> dict[str, Any]:
    return {
        MoneyError.EMPTY: _l("Enter an amount in euros."),
        MoneyError.FORMAT: _l("Enter the amount as a number, for example 12,50."),
        MoneyError.TOO_MANY_DECIMALS: _l("Use at most two decimals (whole cents)."),
        MoneyError.NEGATIVE: _l("The amount cannot be negative."),
        MoneyError.TOO_LARGE: _l("The amount is too large."),
    }


def identifier_message(error: InvalidIdentifier) -> str:
    """A translated message for an identifier that did not validate."""
    if error.code == IdentifierError.EMPTY:
        return str(_l("This field is required."))
    if error.code == IdentifierError.NOT_SEPA:
        return str(_l("The account must be in the SEPA area."))
    if error.code in {IdentifierError.CHECKSUM, IdentifierError.NATIONAL_CHECKSUM}:
        return str(_l("The check digit does not match. Check for typing errors."))
    if error.code == IdentifierError.DATE:
        return str(_l("The date of birth in the identity code is not valid."))
    if error.code == IdentifierError.TEMPORARY:
        return str(_l("A temporary identity code cannot be used for payroll."))
    return str(_l("The format is not valid. Check for typing errors."))


class SecretField(StringField):
    """A text input that never writes its value back into the page (identity codes, IBANs).

    A form shown again after an error must not echo them: pages get cached, screenshotted
    and logged by proxies.
    """

    def _value(self) -> str:
        return ""


class _DecimalCommaField(StringField):
    """A Decimal typed as text: shown again as typed, or with a decimal comma when loaded."""

    def _format(self, value: Decimal) -> str:
        raise NotImplementedError

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return self._format(self.data).replace(".", ",")
        return ""


class MoneyField(_DecimalCommaField):
    """An amount in euros typed the Finnish or Swedish way (``12,50``); ``data`` is Decimal."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if not self.raw.strip():
            return
        try:
            self.data = parse_money(self.raw)
        except InvalidMoney as error:
            self.data = None
            raise ValueError(str(money_messages()[error.code])) from None

    def _format(self, value: Decimal) -> str:
        return f"{value:.2f}"


def _required_money(label: Any, missing: Any) -> MoneyField:
    """An amount that must be given; ``missing`` names it when it is left empty."""
    return MoneyField(label, validators=[InputRequired(message=missing)])


class NumberField(_DecimalCommaField):
    """A non-negative number with at most two decimals, comma or point (km, hours)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip().replace(",", ".")
        self.data = None
        if not raw:
            return
        if not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", raw):
            raise ValueError(str(_l("Enter a number with at most two decimals, e.g. 12,5.")))
        try:
            self.data = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern rules it out
            raise ValueError(str(_l("Enter a number."))) from None

    def _format(self, value: Decimal) -> str:
        return f"{value.normalize():f}"


class MonthField(StringField):
    """A month as ``YYYY-MM``; ``data`` is the first day of the month."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", raw)
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(str(_l("Enter the month as year-month, e.g. 2026-10.")))
        self.data = date(int(match[1]), int(match[2]), 1)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m") if isinstance(self.data, date) else ""


class PayeeDetailsForm(Form):
    method = RadioField(
        _l("How you are paid"),
        choices=choice_list(
            [
                (PaymentMethod.PAYROLL.value, _l("As a personal fee through payroll")),
                (PaymentMethod.INVOICE.value, _l("By invoice from my organisation")),
            ]
        ),
        default=PaymentMethod.PAYROLL.value,
        validators=[InputRequired(message=_l("Choose how you are paid."))],
    )
    identity_code = SecretField(
        _l("Personal identity code"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=20)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    iban = SecretField(
        _l("Bank account (IBAN)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=50)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    organisation_name = StringField(
        _l("Organisation"), filters=[strip_filter], validators=[Length(max=200), no_markup]
    )
    business_id = StringField(
        _l("Business ID (Y-tunnus)"), filters=[strip_filter], validators=[Length(max=20)]
    )
    billing_address = TextAreaField(
        _l("Billing address or e-invoice address"),
        filters=[strip_filter],
        validators=[Length(max=500), no_markup],
    )

    def validate_identity_code(self, field: Any) -> None:
        if field.data:
            try:
                parse_personal_identity_code(field.data, today=date.today())
            except InvalidIdentifier as error:
                raise ValidationError(identifier_message(error)) from None

    def validate_iban(self, field: Any) -> None:
        if field.data:
            try:
                parse_iban(field.data, require_sepa=True)
            except InvalidIdentifier as error:
                raise ValidationError(identifier_message(error)) from None

    def validate_business_id(self, field: Any) -> None:
        if self.method.data != PaymentMethod.INVOICE:
            return
        try:
            normalise_business_id(field.data or "")
        except InvalidIdentifier as error:
            raise ValidationError(identifier_message(error)) from None

    def validate_organisation_name(self, field: Any) -> None:
        if self.method.data == PaymentMethod.INVOICE and not field.data:
            raise ValidationError(str(_l("This field is required.")))

    def validate_billing_address(self, field: Any) -> None:
        if self.method.data == PaymentMethod.INVOICE and not field.data:
            raise ValidationError(str(_l("This field is required.")))


class TravelForm(Form):
    km = NumberField(
        _l("Kilometres by own car, both ways"),
        description=_l("Leave empty if you did not drive."),
    )
    route = StringField(
        _l("Route"),
        filters=[strip_filter],
        description=_l("For example: Nokia – Tampere, Hatanpään valtatie 24 – Nokia"),
        validators=[Length(max=300), no_markup],
    )
    hours_away = NumberField(
        _l("Hours away from home for the trip"),
        description=_l(
            "For the daily allowance: more than 6 hours gives the part-day allowance and more "
            "than 10 hours the full-day allowance."
        ),
    )

    def validate_route(self, field: Any) -> None:
        if self.km.data and not field.data:
            raise ValidationError(str(_l("Tell the route you drove.")))


class ReceiptForm(Form):
    amount = _required_money(_l("Ticket amount (€)"), _l("Enter the amount on the receipt."))
    receipt = FileField(
        _l("Receipt"),
        description=_l("A PDF, JPEG or PNG file of at most 5 MB."),
        validators=[FileRequired(message=_l("Choose the receipt file."))],
    )


class ReturnForm(Form):
    reason = TextAreaField(
        _l("Reason for returning"),
        filters=[strip_filter],
        description=_l("The payee sees this text. Say what to correct."),
        validators=[
            DataRequired(message=_l("Give a reason so the payee knows what to correct.")),
            Length(max=2000),
        ],
    )


class ScheduleForm(Form):
    valid_from = DateField(
        _l("Valid from"), validators=[InputRequired(message=_l("Enter the first day."))]
    )
    valid_to = DateField(
        _l("Valid until"), validators=[Optional()], description=_l("Leave empty if open-ended.")
    )
    tier1_hours = NumberField(_l("First tier: meetings of at most (hours)"))
    tier1_amount = MoneyField(_l("First tier: meeting fee (€)"))
    tier2_hours = NumberField(_l("Second tier: meetings of at most (hours)"))
    tier2_amount = MoneyField(_l("Second tier: meeting fee (€)"))
    last_amount = _required_money(
        _l("Longer meetings: meeting fee (€)"), _l("Enter the fee for the longest meetings.")
    )
    hourly_fee = _required_money(_l("Hourly fee for assignments (€)"), _l("Enter the hourly fee."))
    preparation_fee = MoneyField(_l("Preparation fee per meeting (€)"))
    chair_extra = MoneyField(_l("Chair's extra per meeting (€)"))
    part_day_over_hours = NumberField(_l("Part-day allowance after (hours away)"))
    full_day_over_hours = NumberField(_l("Full-day allowance after (hours away)"))
    note = StringField(_l("Note"), filters=[strip_filter], validators=[Length(max=300), no_markup])

    def tiers(self) -> list[tuple[Decimal | None, Decimal]]:
        tiers: list[tuple[Decimal | None, Decimal]] = []
        for hours, amount in (
            (self.tier1_hours, self.tier1_amount),
            (self.tier2_hours, self.tier2_amount),
        ):
            if hours.data is not None and amount.data is not None:
                tiers.append((hours.data, amount.data))
        tiers.append((None, self.last_amount.data))
        return tiers

    def validate_tier1_amount(self, field: Any) -> None:
        _check_tier_complete(self.tier1_hours, field)

    def validate_tier2_amount(self, field: Any) -> None:
        _check_tier_complete(self.tier2_hours, field)


def _check_tier_complete(hours: NumberField, amount: MoneyField) -> None:
    # A tier with only one of its two values would silently drop out of ``tiers()``.
    if (hours.data is None) != (amount.data is None):
        raise ValidationError(str(_l("Give both the hour limit and the fee, or neither.")))


class TravelRatesForm(Form):
    year = count_field(
        _l("Year"),
        minimum=2000,
        maximum=2100,
        missing=_l("Enter the year."),
        out_of_range=_l("Enter a year between 2000 and 2100."),
    )
    km_rate = _required_money(
        _l("Kilometre allowance (€/km)"), _l("Enter the kilometre allowance.")
    )
    part_day_allowance = _required_money(
        _l("Part-day allowance (€)"), _l("Enter the part-day allowance.")
    )
    full_day_allowance = _required_money(
        _l("Full-day allowance (€)"), _l("Enter the full-day allowance.")
    )


class GenerateClaimsForm(Form):
    month = MonthField(
        _l("Month"),
        description=_l("Year and month, e.g. 2026-10. Leave empty for all months."),
    )


class BatchForm(Form):
    group = SelectField(_l("Month and cost centre"), validate_choice=True)


class ActivitySettingForm(Form):
    cost_centre = StringField(
        _l("Cost centre"),
        filters=[strip_filter],
        description=_l("Leave empty to use the unit's cost centre."),
        validators=[Length(max=40), no_markup],
    )
    pays_preparation = BooleanField(_l("A preparation fee is paid for each meeting"))
