"""The configured brand colour stays readable with white text (portal.core.theme)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.config import Config, ConfigError
from portal.core.theme import (
    MINIMUM_CONTRAST,
    WHITE,
    ColourError,
    brand_palette,
    contrast_ratio,
    parse_hex,
)

colours = st.tuples(*[st.integers(0, 255)] * 3).map(lambda rgb: "#{:02x}{:02x}{:02x}".format(*rgb))


def _wcag_contrast(first: str, second: str) -> float:
    """WCAG 2 contrast written out independently of the module, from the definition."""

    def luminance(hex_colour: str) -> float:
        values = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    a, b = luminance(first), luminance(second)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_known_contrast_values() -> None:
    assert contrast_ratio((0, 0, 0), WHITE) == pytest.approx(21.0)
    assert contrast_ratio(WHITE, WHITE) == pytest.approx(1.0)
    # The default brand blue is the portal's own, well above AA.
    assert _wcag_contrast("#004b87", "#ffffff") > 7


@given(colours)
def test_every_colour_becomes_a_palette_readable_with_white_text(colour: str) -> None:
    palette = brand_palette(colour)
    assert _wcag_contrast(palette.brand, "#ffffff") >= MINIMUM_CONTRAST
    assert _wcag_contrast(palette.brand_dark, "#ffffff") >= _wcag_contrast(palette.brand, "#ffffff")
    if _wcag_contrast(colour, "#ffffff") >= MINIMUM_CONTRAST:
        assert palette.brand == colour and not palette.adjusted
    else:
        assert palette.adjusted


@pytest.mark.parametrize("bad", ["blue", "#12345", "#1234567", "#gg0000", ""])
def test_a_colour_that_is_not_rrggbb_is_refused(bad: str) -> None:
    with pytest.raises(ColourError):
        parse_hex(bad)
    with pytest.raises(ConfigError, match="PORTAL_BRAND_COLOUR"):
        Config(brand_colour=bad).check()


def test_a_missing_logo_file_is_refused(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="PORTAL_LOGO_PATH"):
        Config(logo_path=str(tmp_path / "missing.svg")).check()


def test_the_theme_stylesheet_and_logo_are_served(app: Any, client: Any) -> None:
    css = client.get("/theme.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    palette = brand_palette(app.config["PORTAL"].brand_colour)
    assert f"--brand: {palette.brand};" in css.get_data(as_text=True)
    assert client.get("/theme/logo").status_code == 404  # no logo configured


def test_pages_name_the_configured_site_and_link_its_colour(
    tmp_path: Any, smtp_server: Any
) -> None:
    from alembic import command

    from portal.app import create_app
    from portal.core.cli import alembic_config
    from tests.conftest import make_test_config

    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>')
    url = f"sqlite:///{tmp_path}/theme.sqlite3"
    _box, port = smtp_server
    themed = create_app(
        make_test_config(url, port, site_name="Mukana", brand_colour="#ffcc00", logo_path=str(logo))
    )
    with themed.app_context():
        command.upgrade(alembic_config(url), "head")
    client = themed.test_client()
    page = client.get("/privacy").get_data(as_text=True)
    assert "– Mukana</title>" in page
    assert 'href="/theme.css"' in page
    assert 'src="/theme/logo"' in page
    css = client.get("/theme.css").get_data(as_text=True)
    brand = css.split("--brand: ")[1].split(";")[0]
    assert brand != "#ffcc00"  # yellow is far too light for white text
    assert _wcag_contrast(brand, "#ffffff") >= MINIMUM_CONTRAST
    assert client.get("/theme/logo").status_code == 200
