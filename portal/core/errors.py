"""The one base class of domain errors.

A service raises ``SomeDomainError("code", **params)`` when a rule is broken; the view maps
``code`` to a translated message (formatted with ``params``) and re-renders the form.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule was broken; ``code`` names it, ``params`` fill in its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
