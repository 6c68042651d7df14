"""iCalendar (RFC 5545) invitations for meetings, written by hand: no dependency needed.

Only what a calendar needs to show and update an invitation is written: one VEVENT with
UID, SEQUENCE, DTSTAMP, DTSTART/DTEND in UTC, summary, description, location and the
attendee. Lines end with CRLF and are folded at 75 octets without splitting a character.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"
MAX_OCTETS = 75


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    stamp: datetime
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    attendee_email: str = ""
    attendee_name: str = ""
    cancelled: bool = False


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _param_value(value: str) -> str:
    # Parameter values may not hold DQUOTE; quote them so that , ; : are allowed.
    return '"' + value.replace('"', "'") + '"'


def format_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware timestamp")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold_line(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (RFC 5545 3.1)."""
    chunks: list[str] = []
    current = ""
    limit = MAX_OCTETS
    for char in line:
        if len((current + char).encode("utf-8")) > limit:
            chunks.append(current)
            current = char
            limit = MAX_OCTETS - 1  # continuation lines start with one space
        else:
            current += char
    chunks.append(current)
    return (CRLF + " ").join(chunks)


def build_calendar(event: CalendarEvent) -> str:
    """The text of a ``METHOD:REQUEST`` (or ``CANCEL``) calendar with one event."""
    method = "CANCEL" if event.cancelled else "REQUEST"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Osallistu//Councils//FI",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{format_utc(event.stamp)}",
        f"DTSTART:{format_utc(event.starts_at)}",
        f"DTEND:{format_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organizer_email:
        name = f";CN={_param_value(event.organizer_name)}" if event.organizer_name else ""
        lines.append(f"ORGANIZER{name}:mailto:{event.organizer_email}")
    if event.attendee_email:
        name = f";CN={_param_value(event.attendee_name)}" if event.attendee_name else ""
        lines.append(
            f"ATTENDEE{name};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
            f":mailto:{event.attendee_email}"
        )
    lines.append(f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}")
    lines.append("TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)
