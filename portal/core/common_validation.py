"""What the pure validators share (no Flask, no database)."""

from __future__ import annotations

from collections.abc import Callable


def accepts(
    validate: Callable[..., object], error: type[Exception], value: str, **options: object
) -> bool:
    """True when ``validate(value, **options)`` returns instead of raising ``error``.

    The ``is_valid_*`` functions are this yes/no form of a validator that raises.
    """
    try:
        validate(value, **options)
    except error:
        return False
    return True
