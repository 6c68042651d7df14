"""``entered_fields``: the keyword arguments a form entered, as a service stores them."""

from __future__ import annotations

from typing import TypedDict

import pytest

from portal.core.service_text import entered_fields


class _Required(TypedDict):
    title: str


class _Fields(_Required, total=False):
    place: str
    size: int | None


DEFAULTS = {"place": "", "size": None}


def test_texts_are_stripped_and_the_fields_left_out_defaulted() -> None:
    assert entered_fields({"title": "  Kokous \n"}, declared=_Fields, defaults=DEFAULTS) == {
        "title": "Kokous",
        "place": "",
        "size": None,
    }


def test_values_that_are_not_text_are_kept() -> None:
    values = entered_fields({"title": "x", "size": 3}, declared=_Fields, defaults=DEFAULTS)
    assert values["size"] == 3


@pytest.mark.parametrize("fields", [{"title": "x", "titel": "y"}, {"place": "Sali"}])
def test_a_misspelt_or_missing_field_is_a_type_error(fields: dict[str, str]) -> None:
    with pytest.raises(TypeError):
        entered_fields(fields, declared=_Fields, defaults=DEFAULTS)
