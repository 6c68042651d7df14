"""Catalogues are complete and formats follow the active locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import force_locale

from portal.core.i18n import catalogue_problems, money, number, percent


def test_catalogues_are_current_and_complete() -> None:
    assert catalogue_problems() == []


def test_formats_follow_locale(app: Any) -> None:
    from flask_babel import format_date

    with app.test_request_context():
        with force_locale("fi"):
            assert money(Decimal("1234.5")) == "1\xa0234,50\xa0€"
            assert format_date(date(2026, 3, 7), "short") == "7.3.2026"
            assert number(Decimal("0.5"), 1) == "0,5"
            assert percent(0.256) == "26 %"
        with force_locale("sv"):
            assert money(Decimal("1234.5")) == "1\xa0234,50\xa0€"
            assert format_date(date(2026, 3, 7), "short") == "2026-03-07"
        with force_locale("en"):
            assert money(Decimal("1234.5")) == "€1,234.50"
