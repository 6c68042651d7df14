"""Money as :class:`decimal.Decimal`: strict parsing of user input, rounding, sums, display.

The rounding rule of the portal, used by fee claims, invoices and payroll exports:

    Every claim line's amount is ``quantity * unit price`` rounded **once** to whole cents
    with ROUND_HALF_UP (0.005 → 0.01), which is how Finnish payroll and invoicing software
    and people checking a claim by hand round. Totals are exact sums of already rounded
    lines and are never rounded again.

Floats are refused everywhere: ``0.1 + 0.2`` is not a sum of money.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from portal.core.errors import InvalidInput

__all__ = [
    "CENT",
    "ZERO",
    "InvalidMoney",
    "MoneyError",
    "format_eur",
    "is_whole_cents",
    "parse_money",
    "round_cents",
    "sum_money",
    "to_decimal",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(StrEnum):
    """Machine codes for rejected money input; stable, used as translation-table keys."""

    EMPTY = "empty"
    FORMAT = "format"
    TOO_MANY_DECIMALS = "too_many_decimals"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"


class InvalidMoney(InvalidInput[MoneyError]):
    """User input was not an acceptable amount of money; ``code`` says why."""

    codes = MoneyError
    prefix = "money"


# Space-like characters people and Babel put between digit groups: space, no-break space,
# narrow no-break space (used by CLDR for fr/sv in some versions) and thin space.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_MINUS_SIGNS = "-\u2212"
_AMOUNT_RE = re.compile(
    r"(?P<sign>[-\u2212])?"
    r"(?P<int>\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+|\d+)"
    r"(?:[.,](?P<frac>\d+))?",
    # Without re.ASCII, \d would match e.g. Arabic-Indic digits, which Decimal accepts too.
    re.ASCII,
)


def parse_money(
    text: str,
    *,
    max_decimals: int = 2,
    allow_negative: bool = False,
    max_integer_digits: int = 9,
) -> Decimal:
    """Parse an amount typed by a person into a Decimal, strictly.

    Accepts ``"12,50"``, ``"12.50"``, ``"1 234,50 €"``, ``"€ 12"``, ``"12,50 EUR"`` and the
    output of :func:`format_eur` for Finnish and Swedish. Digit groups may only be separated
    by spaces in threes, and ``,`` or ``.`` is always the decimal separator: ``"1,234"`` is
    therefore rejected as having three decimals rather than guessed to be a thousand.

    Raises :class:`InvalidMoney` with code ``empty``, ``format`` (also NaN, infinity,
    exponents, floats-as-strings like ``"1e3"``), ``too_many_decimals``, ``negative`` or
    ``too_large``. Passing anything but ``str`` raises :class:`TypeError`.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_money expects str, got {type(text).__name__}")
    cleaned = text.strip(" \t\n" + _GROUP_SPACES)
    for currency in ("€", "EUR"):
        if cleaned.upper().endswith(currency):
            cleaned = cleaned[: -len(currency)].rstrip(_GROUP_SPACES)
            break
        if cleaned.upper().startswith(currency):
            cleaned = cleaned[len(currency) :].lstrip(_GROUP_SPACES)
            break
    # "-€12.50" is how English locales write a negative amount.
    if cleaned[:1] in _MINUS_SIGNS and cleaned[1:2] == "€":
        cleaned = cleaned[0] + cleaned[2:]
    if not cleaned:
        raise InvalidMoney(MoneyError.EMPTY)
    match = _AMOUNT_RE.fullmatch(cleaned)
    if match is None:
        raise InvalidMoney(MoneyError.FORMAT)
    integer = re.sub(f"[{_GROUP_SPACES}]", "", match["int"])
    fraction = match["frac"] or ""
    if len(fraction) > max_decimals:
        raise InvalidMoney(MoneyError.TOO_MANY_DECIMALS)
    if len(integer.lstrip("0")) > max_integer_digits:
        raise InvalidMoney(MoneyError.TOO_LARGE)
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if match["sign"] and value != 0:
        if not allow_negative:
            raise InvalidMoney(MoneyError.NEGATIVE)
        value = -value
    return value


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Coerce configuration or stored values to Decimal, refusing floats and non-finite values.

    Strings go through :class:`Decimal` directly (``"0.59"``), not the user-input parser:
    this is for trusted configuration, not for forms.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must not be {type(value).__name__}; use Decimal or str")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        result = Decimal(value)
    else:
        raise TypeError(f"cannot use {type(value).__name__} as money")
    if not result.is_finite():
        raise ValueError("money must be a finite number")
    return result


def round_cents(value: Decimal) -> Decimal:
    """Round to whole cents with ROUND_HALF_UP (the portal's rule, see the module docstring).

    Call it once per claim line on ``quantity * unit price``; never on totals.
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"round_cents expects Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError("cannot round a non-finite amount")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def is_whole_cents(value: Decimal) -> bool:
    """True when ``value`` has no fraction of a cent (e.g. ``1.50`` or ``1.500``)."""
    return value.is_finite() and value == value.quantize(CENT, rounding=ROUND_HALF_UP)


def sum_money(values: Iterable[Decimal]) -> Decimal:
    """Exact sum of amounts that are already whole cents; the result has two decimals.

    A fraction of a cent raises :class:`ValueError`, because it means a line skipped
    :func:`round_cents` and rounding the sum instead would silently change the rule.
    """
    total = ZERO
    for value in values:
        if not isinstance(value, Decimal):
            raise TypeError(f"sum_money expects Decimal values, got {type(value).__name__}")
        if not is_whole_cents(value):
            raise ValueError(f"amount {value} is not rounded to whole cents")
        total += value
    return total.quantize(CENT)


def format_eur(amount: Decimal, locale: str) -> str:
    """Format an amount in euros for display in ``locale`` (``"fi"``, ``"sv"``, ``"en"``).

    The amount is rounded with :func:`round_cents` first because Babel would otherwise round
    half to even and show a different cent than the invoice total.
    """
    # Imported here so the money arithmetic stays usable without Babel (pure fee modules).
    from babel.numbers import format_currency

    return format_currency(round_cents(amount), "EUR", locale=locale)
