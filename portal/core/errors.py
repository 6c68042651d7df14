"""The base classes of domain errors and of rejected input.

A service raises ``SomeDomainError("code", **params)`` when a rule is broken; the view maps
``code`` to a translated message (formatted with ``params``) and re-renders the form.
A parser raises an ``InvalidInput`` subclass whose ``code`` is one of its ``codes``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

CodeT = TypeVar("CodeT", bound=StrEnum)


class DomainError(Exception):
    """A business rule was broken; ``code`` names it, ``params`` fill in its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class InvalidInput(ValueError, Generic[CodeT]):
    """Input was not acceptable; ``code``, one of the subclass's ``codes``, says why.

    The exception text is a key such as ``money:format``, made of the subclass's ``prefix``
    and the code: it shows up in logs, never in the UI.
    """

    codes: type[CodeT]
    prefix: str

    def __init__(self, code: CodeT) -> None:
        self.code: CodeT = self.codes(code)
        super().__init__(f"{self.prefix}:{self.code}")
