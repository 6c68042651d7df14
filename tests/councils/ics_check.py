"""A small RFC 5545 reader for tests: enough to check that an invitation is well formed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

UTC_STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def parse_calendar(text: str) -> dict[str, object]:
    """Check line endings, folding and nesting; return the VEVENT's properties.

    Raises AssertionError on anything a calendar program would reject.
    """
    assert text.endswith("\r\n"), "content lines end with CRLF"
    assert "\n" not in text.replace("\r\n", ""), "no bare line feeds"
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, f"line longer than 75 octets: {line!r}"
    logical: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            assert logical, "a continuation line cannot come first"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    stack: list[str] = []
    calendar: dict[str, str] = {}
    event: dict[str, object] = {}
    events = 0
    for line in logical:
        name_part, sep, value = line.partition(":")
        assert sep, f"no colon in {line!r}"
        name = name_part.split(";", 1)[0].upper()
        assert re.fullmatch(r"[A-Z-]+", name), f"bad property name {name!r}"
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events += 1
            continue
        if name == "END":
            assert stack and stack[-1] == value, f"END:{value} does not close {stack}"
            stack.pop()
            continue
        if stack == ["VCALENDAR"]:
            calendar[name] = value
        elif stack == ["VCALENDAR", "VEVENT"]:
            event[name] = value
            if name == "ATTENDEE" or name == "ORGANIZER":
                event[name + "_PARAMS"] = name_part
    assert stack == [], "every BEGIN has its END"
    assert events == 1
    assert calendar.get("VERSION") == "2.0" and calendar.get("PRODID")
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        assert required in event, f"VEVENT lacks {required}"
    for stamp in ("DTSTAMP", "DTSTART", "DTEND"):
        assert UTC_STAMP.match(str(event[stamp])), f"{stamp} is not a UTC date-time"
    event["METHOD"] = calendar.get("METHOD")
    event["start"] = _parse_utc(str(event["DTSTART"]))
    event["end"] = _parse_utc(str(event["DTEND"]))
    return event


def _parse_utc(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
