"""SMS surveys: the gateway interface, an HTTP gateway and reading a reply.

The gateway is an interface so that the county can use whichever operator it buys; the
portal ships :class:`HttpSmsGateway` for the common JSON shape ``POST {url}`` with
``{"from", "to", "message"}`` and a bearer key, answering ``{"id": ...}``. Tests run it
against a recording HTTP server, the way mail is tested against a real SMTP server.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

_REPLY = re.compile(r"^\s*(10|[0-9])(?![0-9])[\s,.:;!-]*(.*)$", re.DOTALL)
_PHONE_CHARS = re.compile(r"[\s().-]")


class SmsError(RuntimeError):
    """The gateway did not accept the message."""


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str) -> str:
        """Send ``text`` to ``to`` (E.164); returns the operator's message id."""


@dataclass(frozen=True)
class HttpSmsGateway:
    url: str
    api_key: str
    sender: str
    timeout: float = 10.0

    def send(self, *, to: str, text: str) -> str:
        body = json.dumps({"from": self.sender, "to": to, "message": text}).encode()
        if not self.url.startswith(("https://", "http://")):
            raise SmsError("the SMS gateway address must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return str(json.loads(response.read() or b"{}").get("id", ""))
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise SmsError(str(error)) from None


def normalise_phone(raw: str) -> str | None:
    """A Finnish or international number as E.164 (``+358401234567``), or ``None``."""
    number = _PHONE_CHARS.sub("", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = "+358" + number[1:]
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", number):
        return None
    return number


def parse_reply(text: str) -> tuple[int, str] | None:
    """``"9 quick and friendly"`` → ``(9, "quick and friendly")``; ``None`` without a score."""
    match = _REPLY.match(text or "")
    if match is None:
        return None
    return int(match.group(1)), match.group(2).strip()
