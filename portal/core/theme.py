"""A county's brand colour, kept within WCAG contrast on white whatever is configured.

Pure module (standard library only). The portal uses one strong brand colour: white text
on it (header, buttons) and it as text on white (links), so it needs a contrast of at
least 4.5:1 against white (WCAG 1.4.3). A configured colour that is too light is darkened
until it meets that, instead of refusing to start: the county still gets its hue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6})$")
WHITE = (255, 255, 255)
MINIMUM_CONTRAST = 4.5
# The hover and header-band shade: clearly darker than the brand colour itself.
DARK_CONTRAST = 8.0


class ColourError(ValueError):
    """The configured colour is not a ``#rrggbb`` value."""


@dataclass(frozen=True, slots=True)
class Palette:
    brand: str
    brand_dark: str
    adjusted: bool  # True when the configured colour had to be darkened


def parse_hex(value: str) -> tuple[int, int, int]:
    """``#rrggbb`` (the ``#`` may be left out) as an RGB triple."""
    match = HEX_COLOUR.match(value.strip())
    if not match:
        raise ColourError(f"{value!r} is not a colour of the form #rrggbb")
    digits = match.group(1)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _darken_until(rgb: tuple[int, int, int], target: float) -> tuple[int, int, int]:
    """Scale the colour towards black in small steps until it reaches ``target`` on white."""
    factor = 1.0
    current = rgb
    while contrast_ratio(current, WHITE) < target and factor > 0:
        factor = round(factor - 0.02, 2)
        current = tuple(max(0, int(v * factor)) for v in rgb)  # type: ignore[assignment]
    return current


def brand_palette(colour: str) -> Palette:
    """The brand colour and its dark shade, both readable with white text."""
    rgb = parse_hex(colour)
    brand = _darken_until(rgb, MINIMUM_CONTRAST)
    dark = _darken_until(brand, max(DARK_CONTRAST, contrast_ratio(brand, WHITE) + 2))
    return Palette(brand=to_hex(brand), brand_dark=to_hex(dark), adjusted=brand != rgb)
