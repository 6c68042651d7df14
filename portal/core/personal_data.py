"""Registry of what each domain holds about a person, for export (GDPR art. 15/20) and erasure.

Each domain registers one exporter and one eraser in its ``services`` module; the
accounts domain calls them all when a person downloads or erases their data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], dict[str, Any] | list[Any] | None]
Eraser = Callable[[Any], None]


@dataclass(frozen=True)
class PersonalDataHandler:
    name: str
    export: Exporter
    erase: Eraser


_handlers: dict[str, PersonalDataHandler] = {}


def register_personal_data(name: str, *, export: Exporter, erase: Eraser) -> None:
    _handlers[name] = PersonalDataHandler(name=name, export=export, erase=erase)


def handlers() -> list[PersonalDataHandler]:
    return [_handlers[name] for name in sorted(_handlers)]
