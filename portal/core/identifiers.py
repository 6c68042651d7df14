"""Finnish personal identity codes, business IDs and IBANs: validate, normalise, mask.

Every validation failure raises a subclass of :class:`InvalidIdentifier` that carries a
machine-readable :class:`IdentifierError` code. The forms layer maps ``(kind, code)`` to a
translated message; nothing here produces user-facing text.

Masking schemes (what a coordinator or finance approver sees on screen):

* personal identity code: ``"******-***T"`` — only the check character is shown. The
  separator is always rendered as ``-`` whatever the real century sign is, because the
  century sign tells whether the person was born in the 2000s and so may be a minor.
  The last character alone is enough to confirm "is this the code we have on file?" when
  talking to the person, while revealing neither birth date nor sex (the individual number's
  parity encodes sex).
* IBAN: ``"FI** **** **** **07 85"`` — country code and the last four characters are shown,
  everything else is masked, in the usual groups of four, like on bank cards and statements.
"""

from __future__ import annotations

import datetime
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum

from schwifty import IBAN
from schwifty import exceptions as schwifty_exceptions
from stdnum import exceptions as stdnum_exceptions
from stdnum.fi import hetu as stdnum_hetu
from stdnum.fi import ytunnus as stdnum_ytunnus

from portal.core.common_validation import accepts

__all__ = [
    "CENTURY_SIGNS",
    "BankAccount",
    "IdentifierError",
    "IdentifierKind",
    "InvalidBusinessId",
    "InvalidIban",
    "InvalidIdentifier",
    "InvalidPersonalIdentityCode",
    "PersonalIdentityCode",
    "format_iban",
    "is_valid_business_id",
    "is_valid_iban",
    "is_valid_personal_identity_code",
    "mask_iban",
    "mask_personal_identity_code",
    "normalise_business_id",
    "normalise_iban",
    "normalise_personal_identity_code",
    "parse_iban",
    "parse_personal_identity_code",
]


class IdentifierKind(StrEnum):
    """Which kind of identifier failed, so one form can hold several identifier fields."""

    PERSONAL_IDENTITY_CODE = "personal_identity_code"
    BUSINESS_ID = "business_id"
    IBAN = "iban"


class IdentifierError(StrEnum):
    """Machine codes for validation failures; stable, used as translation-table keys."""

    EMPTY = "empty"
    FORMAT = "format"
    LENGTH = "length"
    CHECKSUM = "checksum"
    DATE = "date"
    INDIVIDUAL_NUMBER = "individual_number"
    TEMPORARY = "temporary"
    COUNTRY = "country"
    BANK_CODE = "bank_code"
    NATIONAL_CHECKSUM = "national_checksum"
    NOT_SEPA = "not_sepa"


class InvalidIdentifier(ValueError):
    """An identifier did not validate; ``kind`` and ``code`` say why, for translation."""

    kind: IdentifierKind

    def __init__(self, code: IdentifierError) -> None:
        self.code = IdentifierError(code)
        # The exception text is a key, not a sentence: it shows up in logs, never in the UI.
        super().__init__(f"{self.kind}:{self.code}")


class InvalidPersonalIdentityCode(InvalidIdentifier):
    """A henkilötunnus failed validation."""

    kind = IdentifierKind.PERSONAL_IDENTITY_CODE


class InvalidBusinessId(InvalidIdentifier):
    """A Y-tunnus failed validation."""

    kind = IdentifierKind.BUSINESS_ID


class InvalidIban(InvalidIdentifier):
    """An IBAN failed validation."""

    kind = IdentifierKind.IBAN


# --------------------------------------------------------------------------------------------
# Personal identity code (henkilötunnus)
# --------------------------------------------------------------------------------------------

#: Century sign -> first year of the century. The letters B-F and U-Y were added in 2023
#: because the individual numbers of a single birth date under '-' and 'A' ran out.
CENTURY_SIGNS: dict[str, int] = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}

_HETU_RE = re.compile(
    r"(?P<day>\d\d)(?P<month>\d\d)(?P<year>\d\d)(?P<century>[-+ABCDEFYXWVU])"
    r"(?P<individual>\d\d\d)(?P<check>[0-9ABCDEFHJKLMNPRSTUVWXY])"
)

#: Individual numbers 900-999 are reserved for temporary identity codes issued by e.g.
#: hospitals before the person is in the population register.
_TEMPORARY_INDIVIDUAL_NUMBERS = range(900, 1000)


@dataclass(frozen=True, slots=True)
class PersonalIdentityCode:
    """A validated henkilötunnus. ``value`` is the normalised 11-character form."""

    value: str
    birth_date: datetime.date
    is_temporary: bool

    @property
    def masked(self) -> str:
        """The masked form, see the module docstring."""
        return mask_personal_identity_code(self.value)


def parse_personal_identity_code(
    value: str, *, allow_temporary: bool = False, today: datetime.date | None = None
) -> PersonalIdentityCode:
    """Validate a henkilötunnus and return it with its birth date and temporary flag.

    Accepts surrounding whitespace and lower-case letters. Raises
    :class:`InvalidPersonalIdentityCode` with code ``empty``, ``format``, ``date`` (no such
    day, or after ``today`` when given), ``individual_number`` (000 and 001 are never
    issued), ``temporary`` (900-999 when ``allow_temporary`` is false) or ``checksum``.
    """
    compact = value.strip().upper()
    if not compact:
        raise InvalidPersonalIdentityCode(IdentifierError.EMPTY)
    match = _HETU_RE.fullmatch(compact)
    if match is None:
        raise InvalidPersonalIdentityCode(IdentifierError.FORMAT)
    century = CENTURY_SIGNS[match["century"]]
    try:
        birth_date = datetime.date(
            century + int(match["year"]), int(match["month"]), int(match["day"])
        )
    except ValueError:
        raise InvalidPersonalIdentityCode(IdentifierError.DATE) from None
    if today is not None and birth_date > today:
        # The check character ignores the century sign, so "A" typed for "-" (born 2052
        # instead of 1952) passes every other check; only the calendar catches it.
        raise InvalidPersonalIdentityCode(IdentifierError.DATE)
    individual = int(match["individual"])
    if individual < 2:
        raise InvalidPersonalIdentityCode(IdentifierError.INDIVIDUAL_NUMBER)
    is_temporary = individual in _TEMPORARY_INDIVIDUAL_NUMBERS
    if is_temporary and not allow_temporary:
        raise InvalidPersonalIdentityCode(IdentifierError.TEMPORARY)
    # python-stdnum knows the 2023 century signs, so it is the authority on the check
    # character; the checks above only exist to give the user a more precise reason.
    try:
        stdnum_hetu.validate(compact, allow_temporary=True)
    except stdnum_exceptions.InvalidChecksum:
        raise InvalidPersonalIdentityCode(IdentifierError.CHECKSUM) from None
    except stdnum_exceptions.ValidationError:
        raise InvalidPersonalIdentityCode(IdentifierError.FORMAT) from None
    return PersonalIdentityCode(value=compact, birth_date=birth_date, is_temporary=is_temporary)


def normalise_personal_identity_code(value: str, *, allow_temporary: bool = False) -> str:
    """Return the canonical 11-character form (upper case, no whitespace) or raise."""
    return parse_personal_identity_code(value, allow_temporary=allow_temporary).value


def is_valid_personal_identity_code(value: str, *, allow_temporary: bool = False) -> bool:
    """True when :func:`parse_personal_identity_code` would accept ``value``."""
    return accepts(
        parse_personal_identity_code,
        InvalidPersonalIdentityCode,
        value,
        allow_temporary=allow_temporary,
    )


def mask_personal_identity_code(value: str) -> str:
    """Mask a henkilötunnus as ``******-***X`` showing only the check character.

    The input is not validated (masking must never fail while rendering a page); anything
    that is not 11 characters long is masked completely as ``******-****``.
    """
    compact = value.strip().upper()
    last = compact[-1] if len(compact) == 11 else "*"
    return f"******-***{last}"


# --------------------------------------------------------------------------------------------
# Business ID (Y-tunnus)
# --------------------------------------------------------------------------------------------

#: 7 digits + check digit, optionally with the FI VAT prefix or without the dash. Business IDs
#: issued before 1991 had 6 digits and are written today with a leading zero; that short form
#: is only recognised with its dash, as "1234567" would otherwise be read as "0123456-7".
_BUSINESS_ID_RE = re.compile(r"(?:FI)?(?P<body>\d{7}-?|\d{6}-)(?P<check>\d)")


def normalise_business_id(value: str) -> str:
    """Validate a Y-tunnus and return it as ``NNNNNNN-C``.

    Also accepts the VAT number form ``FI12345678`` and the old six-digit form
    ``123456-7`` (padded with a leading zero). Raises :class:`InvalidBusinessId` with code
    ``empty``, ``format`` or ``checksum``.
    """
    compact = re.sub(r"\s+", "", value).upper()
    if not compact:
        raise InvalidBusinessId(IdentifierError.EMPTY)
    match = _BUSINESS_ID_RE.fullmatch(compact)
    if match is None:
        raise InvalidBusinessId(IdentifierError.FORMAT)
    digits = match["body"].rstrip("-").rjust(7, "0") + match["check"]
    try:
        stdnum_ytunnus.validate(digits)
    except stdnum_exceptions.InvalidChecksum:
        raise InvalidBusinessId(IdentifierError.CHECKSUM) from None
    except stdnum_exceptions.ValidationError:
        raise InvalidBusinessId(IdentifierError.FORMAT) from None
    return stdnum_ytunnus.format(digits)


def is_valid_business_id(value: str) -> bool:
    """True when :func:`normalise_business_id` would accept ``value``."""
    return accepts(normalise_business_id, InvalidBusinessId, value)


# --------------------------------------------------------------------------------------------
# IBAN
# --------------------------------------------------------------------------------------------

_SCHWIFTY_CODES: tuple[tuple[type[Exception], IdentifierError], ...] = (
    (schwifty_exceptions.InvalidCountryCode, IdentifierError.COUNTRY),
    (schwifty_exceptions.InvalidLength, IdentifierError.LENGTH),
    (schwifty_exceptions.InvalidChecksumDigits, IdentifierError.CHECKSUM),
    (schwifty_exceptions.InvalidBBANChecksum, IdentifierError.NATIONAL_CHECKSUM),
    (schwifty_exceptions.InvalidBankCode, IdentifierError.BANK_CODE),
    (schwifty_exceptions.InvalidBranchCode, IdentifierError.BANK_CODE),
    (schwifty_exceptions.InvalidStructure, IdentifierError.FORMAT),
)


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A validated IBAN with what schwifty's offline bank registry knows about it."""

    iban: str
    """Electronic form: upper case, no spaces."""
    country_code: str
    bic: str | None
    """BIC from schwifty's bundled registry, ``None`` when the bank is not listed."""
    bank_name: str | None

    @property
    def formatted(self) -> str:
        """Print form in groups of four."""
        return _group(self.iban, 4)

    @property
    def masked(self) -> str:
        """The masked form, see the module docstring."""
        return mask_iban(self.iban)


def parse_iban(value: str, *, require_sepa: bool = False) -> BankAccount:
    """Validate an IBAN (structure, length, ISO 7064 check digits, and the national check
    digit where schwifty has the algorithm, as for Finnish accounts) and look up its BIC.

    ``require_sepa`` rejects accounts outside the SEPA zone, which cannot receive the
    county's SEPA credit transfers. Raises :class:`InvalidIban` with code ``empty``,
    ``format``, ``country``, ``length``, ``checksum``, ``national_checksum``,
    ``bank_code`` or ``not_sepa``.
    """
    compact = re.sub(r"\s+", "", value).upper()
    if not compact:
        raise InvalidIban(IdentifierError.EMPTY)
    if not re.fullmatch(r"[A-Z]{2}\d\d[A-Z0-9]{1,30}", compact):
        raise InvalidIban(IdentifierError.FORMAT)
    with warnings.catch_warnings():
        # Countries whose national check digits schwifty cannot verify yield a warning;
        # a missing algorithm is no reason to reject an account, so it stays quiet.
        warnings.simplefilter("ignore", schwifty_exceptions.NationalChecksumNotVerified)
        try:
            iban = IBAN(compact, validate_bban=True)
        except schwifty_exceptions.SchwiftyException as exc:
            raise InvalidIban(_schwifty_code(exc)) from None
    if require_sepa and not iban.in_sepa_zone:
        raise InvalidIban(IdentifierError.NOT_SEPA)
    bic = iban.bic
    return BankAccount(
        iban=str(iban.compact),
        country_code=iban.country_code,
        bic=str(bic) if bic is not None else None,
        bank_name=iban.bank_name,
    )


def _schwifty_code(exc: Exception) -> IdentifierError:
    for exc_type, code in _SCHWIFTY_CODES:
        if isinstance(exc, exc_type):
            return code
    return IdentifierError.FORMAT


def normalise_iban(value: str, *, require_sepa: bool = False) -> str:
    """Validate and return the electronic form (``FI2112345600000785``)."""
    return parse_iban(value, require_sepa=require_sepa).iban


def format_iban(value: str) -> str:
    """Validate and return the print form in groups of four (``FI21 1234 5600 0007 85``)."""
    return parse_iban(value).formatted


def is_valid_iban(value: str, *, require_sepa: bool = False) -> bool:
    """True when :func:`parse_iban` would accept ``value``."""
    return accepts(parse_iban, InvalidIban, value, require_sepa=require_sepa)


def mask_iban(value: str) -> str:
    """Mask an IBAN as ``FI** **** **** **07 85``: country code and last four shown.

    The input is not validated (masking must never fail while rendering a page); values
    shorter than 8 characters are masked completely.
    """
    compact = re.sub(r"\s+", "", value).upper()
    if len(compact) < 8:
        return "*" * len(compact)
    masked = compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    return _group(masked, 4)


def _group(text: str, size: int) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))
