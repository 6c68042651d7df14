"""Checks shared by the join form, the coordinator's form and the CSV import.

Pure module: each check takes a raw value and returns ``(clean_value, error_code)``; the
forms and the import report turn the codes into translated messages, so a member typed in
by hand and one read from a file pass exactly the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

NAME_MAX = 200
TEXT_MAX = 2000
OLDEST_BIRTH_YEAR_SPAN = 110  # nobody in the pool is older than this
MIN_AGE = 15  # the pool is for residents aged 15 and over
GENDERS = ("woman", "man", "other", "undisclosed")
LANGUAGES = ("fi", "sv", "other")
CHANNELS = ("email", "sms", "letter")
EXPERIENCES = ("client", "relative", "both", "none")
EMAIL_PATTERN = re.compile(
    r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,}$"
)
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{6,20}$")


@dataclass(frozen=True)
class Problem:
    field: str
    code: str


def has_markup(value: str) -> bool:
    return "<" in value or ">" in value


def check_name(value: str | None) -> tuple[str, str | None]:
    name = (value or "").strip()
    if not name:
        return name, "name_required"
    if len(name) > NAME_MAX:
        return name, "name_too_long"
    if has_markup(name):
        return name, "markup"
    return name, None


def check_email(value: str | None) -> tuple[str | None, str | None]:
    email = (value or "").strip().lower()
    if not email:
        return None, None
    if len(email) > 254 or not EMAIL_PATTERN.match(email) or ".." in email:
        return email, "email_invalid"
    return email, None


def check_phone(value: str | None) -> tuple[str | None, str | None]:
    phone = (value or "").strip()
    if not phone:
        return None, None
    if not PHONE_PATTERN.match(phone):
        return phone, "phone_invalid"
    return phone, None


def check_birth_year(value: object, *, today: date) -> tuple[int | None, str | None]:
    if value in (None, ""):
        return None, "birth_year_required"
    try:
        year = int(str(value).strip())
    except ValueError:
        return None, "birth_year_invalid"
    if year > today.year:
        return year, "birth_year_future"
    if year > today.year - MIN_AGE:
        return year, "birth_year_too_young"
    if year < today.year - OLDEST_BIRTH_YEAR_SPAN:
        return year, "birth_year_implausible"
    return year, None


def check_choice(value: str | None, allowed: tuple[str, ...], code: str) -> tuple[str, str | None]:
    clean = (value or "").strip().lower()
    if clean not in allowed:
        return clean, code
    return clean, None


def check_text(value: str | None, *, limit: int = TEXT_MAX) -> tuple[str | None, str | None]:
    text = (value or "").strip()
    if not text:
        return None, None
    if len(text) > limit:
        return text, "text_too_long"
    if has_markup(text):
        return text, "markup"
    return text, None


def check_contact(
    *, email: str | None, phone: str | None, channel: str, postal_address: str | None
) -> list[Problem]:
    """The contact details must fit the chosen channel."""
    problems = []
    if not email and not phone:
        problems.append(Problem("email", "contact_required"))
    if channel == "email" and not email:
        problems.append(Problem("email", "email_required_for_channel"))
    if channel == "sms" and not phone:
        problems.append(Problem("phone", "phone_required_for_channel"))
    if channel == "letter" and not postal_address:
        problems.append(Problem("postal_address", "address_required_for_channel"))
    return problems
