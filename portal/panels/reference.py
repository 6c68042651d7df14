"""Re-running a published draw with the Sortition Foundation's reference tool (pure).

The county publishes a draw's ``people.csv`` and ``categories.csv`` in the file layout of
the Sortition Foundation's ``sortition-algorithms`` package, so that anyone can check the
lottery with software the county did not write. The tool needs a settings file naming the
id column and turning off its address check; this module supplies that file and the one
command to run, for the web pages and the documentation to offer beside the CSV files.
"""

from __future__ import annotations

from importlib import resources

SETTINGS_FILENAME = "sortition-settings.toml"


def reference_settings() -> str:
    """The TOML settings file for ``sortition csv`` (``id_column = "id"``, no address check)."""
    return (
        resources.files("portal.panels")
        .joinpath("data", SETTINGS_FILENAME)
        .read_text(encoding="utf-8")
    )


def reference_command(
    seats: int,
    *,
    people: str = "people.csv",
    categories: str = "categories.csv",
    settings: str = SETTINGS_FILENAME,
) -> str:
    """The one-line ``sortition csv`` command that draws ``seats`` members from the files."""
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError(f"seats must be a positive whole number, got {seats!r}")
    return (
        f"sortition csv -S {settings} -p {people} -f {categories} "
        f"-s selected.csv -r remaining.csv -n {seats}"
    )
