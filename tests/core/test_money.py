from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.money import (
    InvalidMoney,
    MoneyError,
    format_eur,
    is_whole_cents,
    parse_money,
    round_cents,
    sum_money,
    to_decimal,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,50", Decimal("12.50")),
        ("12.50", Decimal("12.50")),
        ("12", Decimal(12)),
        ("0,5", Decimal("0.5")),
        ("1 234,50 €", Decimal("1234.50")),
        ("1 234 567,89", Decimal("1234567.89")),
        (f"1{NBSP}234,50{NBSP}€", Decimal("1234.50")),  # Babel's Finnish output
        ("€12.50", Decimal("12.50")),
        ("€ 12", Decimal(12)),
        ("12,50 EUR", Decimal("12.50")),
        ("  7,00\t", Decimal("7.00")),
        ("007,10", Decimal("7.10")),
    ],
)
def test_parse_accepts_common_ways_of_writing_euros(text: str, expected: Decimal) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", MoneyError.EMPTY),
        (" € ", MoneyError.EMPTY),
        ("abc", MoneyError.FORMAT),
        ("NaN", MoneyError.FORMAT),
        ("Infinity", MoneyError.FORMAT),
        ("1e3", MoneyError.FORMAT),
        ("12,", MoneyError.FORMAT),
        (",50", MoneyError.FORMAT),
        ("1.234,50", MoneyError.FORMAT),  # two separators: ambiguous
        ("12 34,50", MoneyError.FORMAT),  # groups must be threes
        ("1 2345", MoneyError.FORMAT),
        ("\u0661\u0662", MoneyError.FORMAT),  # Arabic-Indic digits
        ("12,505", MoneyError.TOO_MANY_DECIMALS),
        ("1,234", MoneyError.TOO_MANY_DECIMALS),  # not silently a thousand
        ("-5,00", MoneyError.NEGATIVE),
        ("\u22125,00", MoneyError.NEGATIVE),  # Unicode minus sign
        ("1234567890", MoneyError.TOO_LARGE),
    ],
)
def test_parse_rejects_with_codes(text: str, code: MoneyError) -> None:
    with pytest.raises(InvalidMoney) as excinfo:
        parse_money(text)
    assert excinfo.value.code == code
    assert str(excinfo.value) == f"money:{code}"


def test_parse_options() -> None:
    assert parse_money("-5,25", allow_negative=True) == Decimal("-5.25")
    assert parse_money("-€1234.50", allow_negative=True) == Decimal("-1234.50")
    assert parse_money("0,595", max_decimals=3) == Decimal("0.595")
    # "-0" is not negative money.
    assert parse_money("-0,00") == Decimal(0)


@pytest.mark.parametrize("value", [12.5, 12, Decimal("12.5"), None])
def test_parse_only_takes_strings(value: object) -> None:
    with pytest.raises(TypeError):
        parse_money(value)  # type: ignore[arg-type]


def test_to_decimal_refuses_floats_and_non_finite() -> None:
    assert to_decimal("0.59") == Decimal("0.59")
    assert to_decimal(40) == Decimal(40)
    with pytest.raises(TypeError):
        to_decimal(0.59)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_decimal(True)
    with pytest.raises(ValueError, match="finite"):
        to_decimal(Decimal("NaN"))
    with pytest.raises(ValueError, match="finite"):
        to_decimal("Infinity")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),  # half a cent goes up
        ("0.004999", "0.00"),
        ("0.885", "0.89"),  # banker's rounding would give 0.88
        ("2.675", "2.68"),  # float arithmetic would give 2.67
        ("-0.005", "-0.01"),  # away from zero for refunds too
        ("7", "7.00"),
    ],
)
def test_round_cents_half_up(value: str, expected: str) -> None:
    result = round_cents(Decimal(value))
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


def test_round_cents_refuses_floats_and_nan() -> None:
    with pytest.raises(TypeError):
        round_cents(0.885)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-finite"):
        round_cents(Decimal("NaN"))


@given(st.integers(-(10**9), 10**9), st.integers(0, 999))
def test_property_round_cents(cents: int, thousandths_of_cent: int) -> None:
    value = Decimal(cents) / 100 + Decimal(thousandths_of_cent) / 100_000
    result = round_cents(value)
    assert abs(result - value) <= Decimal("0.005")
    assert is_whole_cents(result)
    if thousandths_of_cent == 500:
        # Exactly half a cent: moves away from zero.
        assert abs(result) > abs(value)


def test_sum_money_is_exact_and_refuses_unrounded_amounts() -> None:
    assert sum_money([]) == Decimal("0.00")
    assert sum_money([Decimal("0.10")] * 3) == Decimal("0.30")
    assert sum_money([Decimal("12.5"), Decimal(7)]).as_tuple().exponent == -2
    with pytest.raises(ValueError, match="whole cents"):
        sum_money([Decimal("0.885")])
    with pytest.raises(TypeError):
        sum_money([0.1, 0.2])  # type: ignore[list-item]


@given(st.lists(st.integers(-(10**8), 10**8), max_size=50))
def test_property_sum_money_equals_integer_cent_sum(cents: list[int]) -> None:
    assert sum_money(Decimal(c).scaleb(-2) for c in cents) == Decimal(sum(cents)).scaleb(-2)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fi", f"1{NBSP}234,50{NBSP}€"),
        ("fi_FI", f"1{NBSP}234,50{NBSP}€"),
        ("sv_FI", f"1{NBSP}234,50{NBSP}€"),
        ("en", "€1,234.50"),
    ],
)
def test_format_eur(locale: str, expected: str) -> None:
    assert format_eur(Decimal("1234.5"), locale) == expected


def test_format_eur_rounds_half_up_like_the_invoice() -> None:
    assert format_eur(Decimal("0.125"), "fi") == f"0,13{NBSP}€"


@given(st.integers(-(10**9), 10**9), st.sampled_from(["fi", "sv", "fi_FI", "sv_FI"]))
def test_property_format_then_parse_round_trips(cents: int, locale: str) -> None:
    amount = Decimal(cents).scaleb(-2)
    assert parse_money(format_eur(amount, locale), allow_negative=True) == amount
