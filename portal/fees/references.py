"""Payment references and the bank virtual barcode printed on invoices.

* Finnish national reference number (kotimainen viitenumero): 4-20 digits, the last one a
  check digit computed with weights 7, 3, 1 repeating from the right-most digit of the
  base. Printed in groups of five digits counted from the right (``12 34561``).
* RF creditor reference (ISO 11649): ``RF`` + two ISO 7064 mod 97-10 check digits + up to
  21 characters. Finnish banks build it from the national reference, check digit included.
* Virtual barcode (pankkiviivakoodi / virtuaaliviivakoodi) of Finance Finland, version 4
  for national references and version 5 for RF references: 54 digits that a payer types
  or scans into their online bank instead of IBAN, amount, reference and due date.

Failures raise :class:`InvalidReference` with a machine code for the forms layer.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from enum import StrEnum

from portal.core.common_validation import accepts
from portal.core.errors import InvalidInput
from portal.core.identifiers import parse_iban
from portal.core.money import is_whole_cents

__all__ = [
    "InvalidReference",
    "PaymentReferenceError",
    "create_reference",
    "create_rf_reference",
    "format_reference",
    "format_rf_reference",
    "is_valid_reference",
    "is_valid_rf_reference",
    "reference_check_digit",
    "rf_check_digits",
    "rf_to_national",
    "validate_reference",
    "validate_rf_reference",
    "virtual_barcode",
]

_WEIGHTS = (7, 3, 1)
_MIN_LENGTH = 4
_MAX_LENGTH = 20
_RF_MAX_BODY = 21
# Above this the barcode's six euro digits cannot hold the amount.
_BARCODE_MAX_AMOUNT = Decimal("999999.99")


class PaymentReferenceError(StrEnum):
    """Machine codes for rejected references; stable, used as translation-table keys."""

    EMPTY = "empty"
    FORMAT = "format"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CHECKSUM = "checksum"


class InvalidReference(InvalidInput[PaymentReferenceError]):
    """A payment reference did not validate; ``code`` says why."""

    codes = PaymentReferenceError
    prefix = "reference"


# --------------------------------------------------------------------------------------------
# National reference number
# --------------------------------------------------------------------------------------------


def reference_check_digit(base: str) -> str:
    """Check digit of a national reference for the digit string ``base`` (weights 7-3-1)."""
    if not base.isascii() or not base.isdigit():
        raise InvalidReference(PaymentReferenceError.FORMAT)
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return str(-total % 10)


def create_reference(base: int | str) -> str:
    """Create a national reference (digits only, no spaces) from a base such as an invoice id.

    The base must have 3 to 19 significant digits so the reference has 4 to 20. Leading zeros
    are dropped: banks ignore them, so keeping them would only make two equal references
    look different. For small ids, give the base a fixed prefix (e.g. the year) yourself.
    """
    if isinstance(base, bool):
        raise TypeError("reference base must be int or str")
    if isinstance(base, int):
        if base < 0:
            raise InvalidReference(PaymentReferenceError.FORMAT)
        digits = str(base)
    else:
        digits = re.sub(r"\s+", "", base)
        if not digits.isascii() or not digits.isdigit():
            raise InvalidReference(PaymentReferenceError.FORMAT)
        digits = digits.lstrip("0")
    if len(digits) < _MIN_LENGTH - 1:
        raise InvalidReference(PaymentReferenceError.TOO_SHORT)
    if len(digits) > _MAX_LENGTH - 1:
        raise InvalidReference(PaymentReferenceError.TOO_LONG)
    return digits + reference_check_digit(digits)


def validate_reference(value: str) -> str:
    """Validate a national reference and return it as digits only, without leading zeros.

    Spaces (as in the grouped print form) are accepted. Raises :class:`InvalidReference`
    with code ``empty``, ``format``, ``too_short``, ``too_long`` or ``checksum``.
    """
    digits = re.sub(r"\s+", "", value)
    if not digits:
        raise InvalidReference(PaymentReferenceError.EMPTY)
    if not digits.isascii() or not digits.isdigit():
        raise InvalidReference(PaymentReferenceError.FORMAT)
    digits = digits.lstrip("0")
    if len(digits) < _MIN_LENGTH:
        raise InvalidReference(PaymentReferenceError.TOO_SHORT)
    if len(digits) > _MAX_LENGTH:
        raise InvalidReference(PaymentReferenceError.TOO_LONG)
    if reference_check_digit(digits[:-1]) != digits[-1]:
        raise InvalidReference(PaymentReferenceError.CHECKSUM)
    return digits


def is_valid_reference(value: str) -> bool:
    """True when :func:`validate_reference` would accept ``value``."""
    return accepts(validate_reference, InvalidReference, value)


def format_reference(value: str) -> str:
    """Validate and return the print form: groups of five digits counted from the right."""
    digits = validate_reference(value)
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


# --------------------------------------------------------------------------------------------
# RF creditor reference (ISO 11649)
# --------------------------------------------------------------------------------------------


def _iso7064_numeric(text: str) -> int:
    # Letters become two-digit numbers A=10 ... Z=35, as for IBANs.
    return int("".join(str(int(ch, 36)) for ch in text))


def rf_check_digits(body: str) -> str:
    """The two ISO 11649 check digits for a reference body (1-21 letters or digits)."""
    body = body.upper()
    if not re.fullmatch(r"[0-9A-Z]{1,21}", body):
        raise InvalidReference(PaymentReferenceError.FORMAT)
    return f"{98 - _iso7064_numeric(body + 'RF00') % 97:02d}"


def create_rf_reference(base: int | str) -> str:
    """Create an RF reference (``RF`` + check digits + national reference, no spaces).

    The national reference (with its own check digit) is built from ``base`` first, as
    Finnish banks do, so the RF reference can be turned back into the national one.
    """
    national = create_reference(base)
    return f"RF{rf_check_digits(national)}{national}"


def validate_rf_reference(value: str) -> str:
    """Validate an RF reference and return it upper case without spaces.

    Raises :class:`InvalidReference` with code ``empty``, ``format``, ``too_long`` or
    ``checksum``.
    """
    compact = re.sub(r"\s+", "", value).upper()
    if not compact:
        raise InvalidReference(PaymentReferenceError.EMPTY)
    if not re.fullmatch(r"RF\d\d[0-9A-Z]+", compact):
        raise InvalidReference(PaymentReferenceError.FORMAT)
    if len(compact) > 4 + _RF_MAX_BODY:
        raise InvalidReference(PaymentReferenceError.TOO_LONG)
    if _iso7064_numeric(compact[4:] + compact[:4]) % 97 != 1:
        raise InvalidReference(PaymentReferenceError.CHECKSUM)
    return compact


def is_valid_rf_reference(value: str) -> bool:
    """True when :func:`validate_rf_reference` would accept ``value``."""
    return accepts(validate_rf_reference, InvalidReference, value)


def format_rf_reference(value: str) -> str:
    """Validate and return the print form in groups of four from the left (``RF18 5390 0754
    7034``)."""
    compact = validate_rf_reference(value)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def rf_to_national(value: str) -> str:
    """The national reference inside a Finnish RF reference; raises if it is not one."""
    return validate_reference(validate_rf_reference(value)[4:])


# --------------------------------------------------------------------------------------------
# Virtual barcode
# --------------------------------------------------------------------------------------------


def virtual_barcode(
    *,
    iban: str,
    reference: str,
    amount: Decimal | None,
    due_date: datetime.date | None,
) -> str:
    """The 54-digit virtual barcode of Finance Finland for a Finnish IBAN.

    Version 4 is used for a national reference and version 5 for an RF reference (whose body
    must then be digits only, the barcode cannot carry letters). Layout:

    * v4: ``4`` + 16 IBAN digits + 6 euro + 2 cent digits + ``000`` + reference padded to 20
      digits + due date ``YYMMDD``;
    * v5: ``5`` + 16 IBAN digits + 6 euro + 2 cent digits + 2 RF check digits + RF body
      padded to 21 digits + due date ``YYMMDD``.

    ``amount=None`` (or zero) and ``due_date=None`` are written as zeros, meaning "payer
    fills in". Raises :class:`ValueError` for a non-Finnish IBAN, a negative amount, an
    amount of a million euros or more, or a fraction of a cent, and
    :class:`InvalidReference` or ``InvalidIban`` for bad references and accounts.
    """
    account = parse_iban(iban)
    if account.country_code != "FI":
        raise ValueError("the virtual barcode is only defined for Finnish IBANs")
    if amount is None:
        amount_digits = "0" * 8
    else:
        if not isinstance(amount, Decimal):
            raise TypeError("amount must be a Decimal")
        if amount < 0 or amount > _BARCODE_MAX_AMOUNT or not is_whole_cents(amount):
            raise ValueError("amount does not fit the virtual barcode")
        amount_digits = f"{int(amount * 100):08d}"
    date_digits = due_date.strftime("%y%m%d") if due_date is not None else "000000"
    account_digits = account.iban[2:]
    compact = re.sub(r"\s+", "", reference).upper()
    if compact.startswith("RF"):
        rf = validate_rf_reference(compact)
        body = rf[4:]
        if not body.isdigit():
            raise InvalidReference(PaymentReferenceError.FORMAT)
        return f"5{account_digits}{amount_digits}{rf[2:4]}{body.zfill(21)}{date_digits}"
    national = validate_reference(compact)
    return f"4{account_digits}{amount_digits}000{national.zfill(20)}{date_digits}"
