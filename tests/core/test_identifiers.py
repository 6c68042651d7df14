import datetime
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.identifiers import (
    CENTURY_SIGNS,
    IdentifierError,
    IdentifierKind,
    InvalidBusinessId,
    InvalidIban,
    InvalidIdentifier,
    InvalidPersonalIdentityCode,
    format_iban,
    is_valid_business_id,
    is_valid_iban,
    is_valid_personal_identity_code,
    mask_iban,
    mask_personal_identity_code,
    normalise_business_id,
    normalise_iban,
    normalise_personal_identity_code,
    parse_iban,
    parse_personal_identity_code,
)

# The check character table of the Population Register Centre: remainder mod 31 -> character.
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def reference_check_character(nine_digits: str) -> str:
    """Independent implementation of the specification, used to build test codes."""
    return CHECK_CHARACTERS[int(nine_digits) % 31]


def build_code(day: datetime.date, sign: str, individual: int) -> str:
    digits = f"{day:%d%m}{day.year % 100:02d}{individual:03d}"
    return f"{digits[:6]}{sign}{digits[6:]}{reference_check_character(digits)}"


# --- personal identity code: known examples ------------------------------------------------


def test_known_code_and_birth_date() -> None:
    # 131052308 = 31 * 4227493 + 25, and CHECK_CHARACTERS[25] == "T".
    parsed = parse_personal_identity_code("131052-308T")
    assert parsed.value == "131052-308T"
    assert parsed.birth_date == datetime.date(1952, 10, 13)
    assert parsed.is_temporary is False


def test_normalises_case_and_whitespace() -> None:
    assert normalise_personal_identity_code("  131052-308t\n") == "131052-308T"


@pytest.mark.parametrize(
    ("sign", "year"),
    [("+", 1852), ("-", 1952), ("Y", 1952), ("X", 1952), ("W", 1952), ("V", 1952),
     ("U", 1952), ("A", 2052), ("B", 2052), ("C", 2052), ("D", 2052), ("E", 2052),
     ("F", 2052)],
)  # fmt: skip
def test_all_century_signs_including_2023_letters(sign: str, year: int) -> None:
    # The check character only depends on the nine digits, so "T" stays valid.
    parsed = parse_personal_identity_code(f"131052{sign}308T")
    assert parsed.birth_date == datetime.date(year, 10, 13)


def test_century_sign_decides_leap_day() -> None:
    # 29 Feb exists in 2000 but not in 1900.
    digits = "290200123"
    check = reference_check_character(digits)
    assert parse_personal_identity_code(f"290200A123{check}").birth_date == datetime.date(
        2000, 2, 29
    )
    with pytest.raises(InvalidPersonalIdentityCode) as excinfo:
        parse_personal_identity_code(f"290200-123{check}")
    assert excinfo.value.code == IdentifierError.DATE


def test_birth_date_in_the_future_is_rejected_when_today_is_given() -> None:
    # "A" instead of "-" makes the same digits a 2052 birth date; the check character agrees.
    today = datetime.date(2026, 11, 23)
    assert parse_personal_identity_code("131052-308T", today=today).birth_date.year == 1952
    assert parse_personal_identity_code("131052A308T").birth_date.year == 2052
    with pytest.raises(InvalidPersonalIdentityCode) as excinfo:
        parse_personal_identity_code("131052A308T", today=today)
    assert excinfo.value.code == IdentifierError.DATE
    # Born today is fine.
    code = build_code(today, "A", 123)
    assert parse_personal_identity_code(code, today=today).birth_date == today


def test_temporary_code_flag_and_opt_in() -> None:
    # 131052908 = 131052308 + 600; (25 + 600) mod 31 = 5, so the check character is "5".
    with pytest.raises(InvalidPersonalIdentityCode) as excinfo:
        parse_personal_identity_code("131052-9085")
    assert excinfo.value.code == IdentifierError.TEMPORARY
    parsed = parse_personal_identity_code("131052-9085", allow_temporary=True)
    assert parsed.is_temporary is True
    assert parsed.birth_date == datetime.date(1952, 10, 13)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", IdentifierError.EMPTY),
        ("   ", IdentifierError.EMPTY),
        ("131052/308T", IdentifierError.FORMAT),
        ("131052-308", IdentifierError.FORMAT),
        ("131052-308G", IdentifierError.FORMAT),  # G is not a check character
        ("131052 - 308T", IdentifierError.FORMAT),
        ("310252-308Y", IdentifierError.DATE),  # 31 February
        ("131352-308T", IdentifierError.DATE),  # month 13
        ("131052-001T", IdentifierError.INDIVIDUAL_NUMBER),  # 000-001 are never issued
        ("131052-308U", IdentifierError.CHECKSUM),
    ],
)
def test_rejections_carry_codes(value: str, code: IdentifierError) -> None:
    with pytest.raises(InvalidPersonalIdentityCode) as excinfo:
        parse_personal_identity_code(value)
    assert excinfo.value.code == code
    assert excinfo.value.kind == IdentifierKind.PERSONAL_IDENTITY_CODE
    assert isinstance(excinfo.value, InvalidIdentifier)
    assert isinstance(excinfo.value, ValueError)
    assert not is_valid_personal_identity_code(value)


def test_exception_text_is_a_key_not_a_sentence() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        parse_personal_identity_code("131052-308U")
    assert str(excinfo.value) == "personal_identity_code:checksum"


def _sign_for(year: int) -> st.SearchStrategy[str]:
    century = year // 100 * 100
    return st.sampled_from(sorted(s for s, c in CENTURY_SIGNS.items() if c == century))


@st.composite
def valid_codes(draw: st.DrawFn) -> tuple[str, datetime.date, int]:
    day = draw(st.dates(datetime.date(1800, 1, 1), datetime.date(2099, 12, 31)))
    sign = draw(_sign_for(day.year))
    individual = draw(st.integers(2, 999))
    return build_code(day, sign, individual), day, individual


@given(valid_codes())
def test_property_every_well_formed_code_parses(case: tuple[str, datetime.date, int]) -> None:
    code, day, individual = case
    parsed = parse_personal_identity_code(code.lower(), allow_temporary=True)
    assert parsed.value == code
    assert parsed.birth_date == day
    assert parsed.is_temporary == (individual >= 900)


@given(valid_codes(), st.sampled_from(CHECK_CHARACTERS))
def test_property_wrong_check_character_is_a_checksum_error(
    case: tuple[str, datetime.date, int], other: str
) -> None:
    code = case[0]
    if other == code[-1]:
        return
    with pytest.raises(InvalidPersonalIdentityCode) as excinfo:
        parse_personal_identity_code(code[:-1] + other, allow_temporary=True)
    assert excinfo.value.code == IdentifierError.CHECKSUM


# --- masking -------------------------------------------------------------------------------


def test_mask_shows_only_check_character() -> None:
    assert mask_personal_identity_code("131052-308T") == "******-***T"
    # The 2000s sign would reveal a possible minor, so it is masked like the others.
    assert mask_personal_identity_code("131052A308T") == "******-***T"
    assert parse_personal_identity_code("131052-308T").masked == "******-***T"


def test_mask_never_fails_on_garbage() -> None:
    assert mask_personal_identity_code("") == "******-****"
    assert mask_personal_identity_code("12345") == "******-****"


@given(valid_codes())
def test_property_mask_leaks_no_digit(case: tuple[str, datetime.date, int]) -> None:
    masked = mask_personal_identity_code(case[0])
    assert masked[:10] == "******-***"
    assert masked[-1] == case[0][-1]


# --- business ID -----------------------------------------------------------------------------


def test_business_id_known_values() -> None:
    # Weights 7,9,10,5,8,4,2 on 2077474: 14+0+70+35+32+28+8 = 187 = 17*11 -> check 0.
    assert normalise_business_id("2077474-0") == "2077474-0"
    assert normalise_business_id("20774740") == "2077474-0"
    assert normalise_business_id(" fi20774740 ") == "2077474-0"
    # 0112038: 0+9+10+10+0+12+16 = 57 = 5*11 + 2 -> check 11 - 2 = 9. Old six-digit form.
    assert normalise_business_id("112038-9") == "0112038-9"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", IdentifierError.EMPTY),
        ("2077474-1", IdentifierError.CHECKSUM),
        ("207747-40", IdentifierError.FORMAT),
        ("2077474", IdentifierError.FORMAT),
        ("SE2077474-0", IdentifierError.FORMAT),
        ("2O77474-0", IdentifierError.FORMAT),
    ],
)
def test_business_id_rejections(value: str, code: IdentifierError) -> None:
    with pytest.raises(InvalidBusinessId) as excinfo:
        normalise_business_id(value)
    assert excinfo.value.code == code
    assert excinfo.value.kind == IdentifierKind.BUSINESS_ID
    assert not is_valid_business_id(value)


# --- IBAN ------------------------------------------------------------------------------------


def iso7064_check_digits(country: str, bban: str) -> str:
    """Independent IBAN check digit computation (ISO 13616: move, letters -> 10..35, mod 97)."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


def test_iban_normalise_format_and_bic() -> None:
    # Finnish bank code 1 (first digit of the account number) is Nordea.
    account = parse_iban(" fi21 1234 5600 0007 85 ")
    assert account.iban == "FI2112345600000785"
    assert account.country_code == "FI"
    assert account.bic == "NDEAFIHH"
    assert account.formatted == "FI21 1234 5600 0007 85"
    assert normalise_iban("FI2112345600000785") == "FI2112345600000785"
    assert format_iban("fi2112345600000785") == "FI21 1234 5600 0007 85"
    assert iso7064_check_digits("FI", "12345600000785") == "21"


def test_iban_national_check_digit_is_verified_for_finland() -> None:
    # Same account with a wrong Luhn digit, but with correct IBAN check digits.
    bban = "12345600000786"
    iban = f"FI{iso7064_check_digits('FI', bban)}{bban}"
    with pytest.raises(InvalidIban) as excinfo:
        parse_iban(iban)
    assert excinfo.value.code == IdentifierError.NATIONAL_CHECKSUM


def test_iban_foreign_account_without_national_algorithm_is_accepted() -> None:
    # Sweden's national check digits cannot be verified offline; that is no reason to reject.
    assert is_valid_iban("SE45 5000 0000 0583 9825 7466")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", IdentifierError.EMPTY),
        ("FI21 1234 5600 0007 86", IdentifierError.CHECKSUM),
        ("FI21 1234 5600 0007 8", IdentifierError.LENGTH),
        ("XX21 1234 5600 0007 85", IdentifierError.COUNTRY),
        ("FI21-1234-5600-0007-85", IdentifierError.FORMAT),
        ("12345600000785", IdentifierError.FORMAT),
    ],
)
def test_iban_rejections(value: str, code: IdentifierError) -> None:
    with pytest.raises(InvalidIban) as excinfo:
        parse_iban(value)
    assert excinfo.value.code == code
    assert excinfo.value.kind == IdentifierKind.IBAN
    assert not is_valid_iban(value)


def test_iban_outside_sepa_only_rejected_on_request() -> None:
    saudi = "SA03 8000 0000 6080 1016 7519"
    assert is_valid_iban(saudi)
    with pytest.raises(InvalidIban) as excinfo:
        parse_iban(saudi, require_sepa=True)
    assert excinfo.value.code == IdentifierError.NOT_SEPA
    assert is_valid_iban("FI21 1234 5600 0007 85", require_sepa=True)


def test_mask_iban() -> None:
    assert mask_iban("FI2112345600000785") == "FI** **** **** **07 85"
    assert mask_iban("fi21 1234 5600 0007 85") == "FI** **** **** **07 85"
    assert parse_iban("FI2112345600000785").masked == "FI** **** **** **07 85"
    assert mask_iban("FI21") == "****"


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=8, max_size=34))
def test_property_mask_iban_reveals_country_and_last_four_only(compact: str) -> None:
    masked = mask_iban(compact)
    assert masked.replace(" ", "") == compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    assert all(len(group) == 4 for group in masked.split(" ")[:-1])
