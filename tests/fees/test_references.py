import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from portal.core.identifiers import InvalidIban
from portal.fees.references import (
    InvalidReference,
    PaymentReferenceError,
    create_reference,
    create_rf_reference,
    format_reference,
    format_rf_reference,
    is_valid_reference,
    is_valid_rf_reference,
    reference_check_digit,
    rf_check_digits,
    rf_to_national,
    validate_reference,
    validate_rf_reference,
    virtual_barcode,
)

bases = st.integers(min_value=100, max_value=10**19 - 1)

# --- national reference: known examples ---------------------------------------------------


def test_check_digit_of_123() -> None:
    # From the right: 3*7 + 2*3 + 1*1 = 28; next multiple of ten is 30 -> check digit 2.
    assert reference_check_digit("123") == "2"
    assert create_reference(123) == "1232"


def test_check_digit_of_12345() -> None:
    # 5*7 + 4*3 + 3*1 + 2*7 + 1*3 = 67 -> 70 - 67 = 3.
    assert create_reference("12345") == "123453"
    assert format_reference("123453") == "1 23453"


def test_check_digit_zero_when_sum_is_a_multiple_of_ten() -> None:
    assert reference_check_digit("505") == "0"  # 5*7 + 0*3 + 5*1 = 40
    assert create_reference(505) == "5050"


def test_finance_finland_guide_example() -> None:
    assert validate_reference("86851 62596 19897") == "868516259619897"
    assert format_reference("868516259619897") == "86851 62596 19897"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", PaymentReferenceError.EMPTY),
        ("12a4", PaymentReferenceError.FORMAT),
        ("123-2", PaymentReferenceError.FORMAT),
        ("232", PaymentReferenceError.TOO_SHORT),
        ("0000232", PaymentReferenceError.TOO_SHORT),  # leading zeros do not count
        ("1" * 21, PaymentReferenceError.TOO_LONG),
        ("1233", PaymentReferenceError.CHECKSUM),
    ],
)
def test_validate_rejections(value: str, code: PaymentReferenceError) -> None:
    with pytest.raises(InvalidReference) as excinfo:
        validate_reference(value)
    assert excinfo.value.code == code
    assert not is_valid_reference(value)


def test_create_limits() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        create_reference(99)
    assert excinfo.value.code == PaymentReferenceError.TOO_SHORT
    with pytest.raises(InvalidReference) as excinfo:
        create_reference(10**19)
    assert excinfo.value.code == PaymentReferenceError.TOO_LONG
    with pytest.raises(InvalidReference):
        create_reference(-123)
    with pytest.raises(InvalidReference):
        create_reference("12x")
    assert len(create_reference(10**19 - 1)) == 20


def test_leading_zeros_are_insignificant() -> None:
    assert validate_reference("0001232") == "1232"
    assert create_reference("000123") == "1232"


@given(bases)
def test_property_created_references_validate(base: int) -> None:
    reference = create_reference(base)
    assert reference[:-1] == str(base)
    assert validate_reference(reference) == reference
    assert validate_reference(format_reference(reference)) == reference


@given(bases, st.data())
def test_property_changing_one_digit_invalidates(base: int, data: st.DataObject) -> None:
    # Weights 7, 3, 1 are all invertible mod 10, so every single-digit error is caught.
    reference = create_reference(base)
    position = data.draw(st.integers(0, len(reference) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != reference[position]]))
    changed = reference[:position] + replacement + reference[position + 1 :]
    assert not is_valid_reference(changed)


@given(bases)
def test_property_format_groups_of_five_from_the_right(base: int) -> None:
    groups = format_reference(create_reference(base)).split(" ")
    assert all(len(group) == 5 for group in groups[1:])
    assert 1 <= len(groups[0]) <= 5


# --- RF creditor reference -----------------------------------------------------------------


def test_iso_11649_example() -> None:
    assert validate_rf_reference("RF18 5390 0754 7034") == "RF18539007547034"
    assert format_rf_reference("rf18539007547034") == "RF18 5390 0754 7034"
    assert rf_check_digits("539007547034") == "18"


def test_rf_of_national_1232() -> None:
    # "1232" + "RF00" -> 1232 27 15 00 = 1232271500; 1232271500 mod 97 = 87
    # (97 * 12703829 = 1232271413); 98 - 87 = 11.
    assert create_rf_reference(123) == "RF111232"
    assert rf_to_national("RF11 1232") == "1232"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", PaymentReferenceError.EMPTY),
        ("RF1", PaymentReferenceError.FORMAT),
        ("XX18539007547034", PaymentReferenceError.FORMAT),
        ("RF18-5390", PaymentReferenceError.FORMAT),
        ("RF19539007547034", PaymentReferenceError.CHECKSUM),
        ("RF00" + "1" * 22, PaymentReferenceError.TOO_LONG),
    ],
)
def test_rf_rejections(value: str, code: PaymentReferenceError) -> None:
    with pytest.raises(InvalidReference) as excinfo:
        validate_rf_reference(value)
    assert excinfo.value.code == code
    assert not is_valid_rf_reference(value)


@given(bases)
def test_property_rf_round_trip_and_agreement_with_stdnum(base: int) -> None:
    rf = create_rf_reference(base)
    assert validate_rf_reference(format_rf_reference(rf)) == rf
    assert rf_to_national(rf) == create_reference(base)
    assert iso11649.is_valid(rf)


@given(bases, st.data())
def test_property_rf_single_character_change_invalidates(base: int, data: st.DataObject) -> None:
    rf = create_rf_reference(base)
    position = data.draw(st.integers(2, len(rf) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != rf[position]]))
    changed = rf[:position] + replacement + rf[position + 1 :]
    assert not is_valid_rf_reference(changed)


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_property_alphanumeric_rf_agrees_with_stdnum(body: str) -> None:
    rf = f"RF{rf_check_digits(body)}{body}"
    assert is_valid_rf_reference(rf)
    assert iso11649.is_valid(rf)


# --- virtual barcode -----------------------------------------------------------------------


def test_barcode_version_4_finance_finland_example() -> None:
    # Built by hand from the layout: version 4, IBAN digits 7944052020036082, euros 004883,
    # cents 15, reserve 000, reference padded to 20 digits, due date 10 06 12.
    expected = "4" + "7944052020036082" + "004883" + "15" + "000"
    expected += "00000868516259619897" + "100612"
    barcode = virtual_barcode(
        iban="FI79 4405 2020 0360 82",
        reference="86851 62596 19897",
        amount=Decimal("4883.15"),
        due_date=datetime.date(2010, 6, 12),
    )
    assert barcode == expected
    assert barcode == "479440520200360820048831500000000868516259619897100612"


def test_barcode_version_5_for_rf_reference() -> None:
    # Version 5, IBAN digits, 482.99 EUR -> 000482 99, RF check digits, body padded to 21.
    # Check digits straight from ISO 11649: body + "RF00" with R=27, F=15, mod 97, 98 - that.
    check = 98 - int("868516259619897" + "271500") % 97
    assert check == 9
    rf = f"RF{check:02d}868516259619897"
    assert is_valid_rf_reference(rf)
    barcode = virtual_barcode(
        iban="FI58 1017 1000 0001 22",
        reference=format_rf_reference(rf),
        amount=Decimal("482.99"),
        due_date=datetime.date(2012, 1, 31),
    )
    expected = "5" + "5810171000000122" + "000482" + "99" + "09"
    expected += "000000868516259619897" + "120131"
    assert barcode == expected


def test_barcode_without_amount_or_due_date() -> None:
    barcode = virtual_barcode(
        iban="FI2112345600000785", reference="1232", amount=None, due_date=None
    )
    assert barcode == "4" + "2112345600000785" + "00000000" + "000" + "1232".zfill(20) + "000000"


@given(
    bases,
    st.integers(0, 99_999_999),
    st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)),
    st.booleans(),
)
def test_property_barcode_layout(base: int, cents: int, due: datetime.date, rf: bool) -> None:
    reference = create_rf_reference(base) if rf else create_reference(base)
    barcode = virtual_barcode(
        iban="FI2112345600000785",
        reference=reference,
        amount=Decimal(cents).scaleb(-2),
        due_date=due,
    )
    assert len(barcode) == 54
    assert barcode.isdigit()
    assert barcode[0] == ("5" if rf else "4")
    assert barcode[1:17] == "2112345600000785"
    assert int(barcode[17:25]) == cents
    assert barcode[-6:] == due.strftime("%y%m%d")
    if rf:
        assert barcode[25:27] == reference[2:4]
        assert barcode[27:48].lstrip("0") == reference[4:]
    else:
        assert barcode[25:28] == "000"
        assert barcode[28:48].lstrip("0") == reference


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"iban": "SE45 5000 0000 0583 9825 7466"}, ValueError),
        ({"amount": Decimal("1000000.00")}, ValueError),
        ({"amount": Decimal("-1.00")}, ValueError),
        ({"amount": Decimal("1.005")}, ValueError),
        ({"reference": "1233"}, InvalidReference),
        ({"reference": "RF18 5390 0754 7035"}, InvalidReference),
        ({"iban": "FI21 1234 5600 0007 86"}, InvalidIban),
    ],
)
def test_barcode_rejections(kwargs: dict[str, object], error: type[Exception]) -> None:
    arguments: dict[str, object] = {
        "iban": "FI2112345600000785",
        "reference": "1232",
        "amount": Decimal("10.00"),
        "due_date": None,
    }
    arguments.update(kwargs)
    with pytest.raises(error):
        virtual_barcode(**arguments)  # type: ignore[arg-type]


def test_barcode_rf_with_letters_is_rejected() -> None:
    rf = f"RF{rf_check_digits('INV123')}INV123"
    assert is_valid_rf_reference(rf)
    with pytest.raises(InvalidReference) as excinfo:
        virtual_barcode(iban="FI2112345600000785", reference=rf, amount=None, due_date=None)
    assert excinfo.value.code == PaymentReferenceError.FORMAT
