"""What a person typed into a form, as services store it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def entered_fields(
    fields: Mapping[str, Any], *, declared: Any, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """``fields`` as they are stored: the ones left out at their ``defaults``, every text
    stripped of the white space around it (other values kept as they are).

    ``declared`` is the ``TypedDict`` the service's keyword arguments are typed with; a field
    it does not name, or a required one left out, raises ``TypeError`` as a wrong keyword
    argument would.
    """
    unknown = set(fields) - set(declared.__annotations__)
    missing = set(declared.__required_keys__) - set(fields)
    if unknown or missing:
        raise TypeError(f"unexpected fields {sorted(unknown)}, missing fields {sorted(missing)}")
    values = {**defaults, **fields}
    return {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }
