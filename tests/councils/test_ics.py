"""Calendar invitations are valid RFC 5545: CRLF, folding, escaping, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from portal.councils.ics import CalendarEvent, build_calendar, escape_text, fold_line
from tests.councils.ics_check import parse_calendar, unescape


def _event(**overrides: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "council-meeting-7@osallistu.example",
        "sequence": 2,
        "stamp": datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        "starts_at": datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        "summary": "Vanhusneuvosto: Syksyn kokous",
        "description": "1. Avaus\n2. Talousarvio; lausunto, keskustelu\n" + "pitkä rivi " * 30,
        "location": "Hervannan palvelukeskus, kokoushuone 2",
        "organizer_email": "osallistu@example.fi",
        "organizer_name": "Osallistu",
        "attendee_email": "raili@example.fi",
        "attendee_name": 'Raili "Rane" Rantanen',
    }
    values.update(overrides)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def test_invitation_parses_and_round_trips() -> None:
    event = parse_calendar(build_calendar(_event()))
    assert event["METHOD"] == "REQUEST"
    assert event["UID"] == "council-meeting-7@osallistu.example"
    assert event["SEQUENCE"] == "2"
    assert event["start"] == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert event["end"] - event["start"] == timedelta(hours=2)
    assert unescape(str(event["DESCRIPTION"])).startswith("1. Avaus\n2. Talousarvio; lausunto,")
    assert unescape(str(event["LOCATION"])) == "Hervannan palvelukeskus, kokoushuone 2"
    assert str(event["ATTENDEE"]) == "mailto:raili@example.fi"
    assert "RSVP=TRUE" in str(event["ATTENDEE_PARAMS"])
    assert "CN=\"Raili 'Rane' Rantanen\"" in str(event["ATTENDEE_PARAMS"])


def test_cancellation_uses_method_cancel() -> None:
    event = parse_calendar(build_calendar(_event(cancelled=True, sequence=3)))
    assert event["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"


def test_times_are_converted_to_utc() -> None:
    helsinki_winter = timezone(timedelta(hours=2))
    start = datetime(2026, 12, 1, 17, 0, tzinfo=helsinki_winter)
    event = parse_calendar(
        build_calendar(_event(starts_at=start, ends_at=start + timedelta(hours=1)))
    )
    assert event["DTSTART"] == "20261201T150000Z"


def test_folding_never_splits_a_character() -> None:
    line = "SUMMARY:" + "ä" * 100
    folded = fold_line(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_escaping() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        build_calendar(_event(starts_at=datetime(2026, 12, 1, 15, 0)))
