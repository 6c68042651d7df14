"""Demo data for trying the portal: people in every role, units and activities."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from portal.accounts.demo import seed_accounts
from portal.deliberation.demo import seed_deliberation
from portal.impact.demo import seed_impact

# Each seeder returns lines to print; later seeders may use what earlier ones created.
DEMO_SEEDERS: tuple[Callable[[], Iterable[str]], ...] = (
    seed_accounts,
    seed_impact,
    seed_deliberation,
)


def seed_demo() -> list[str]:
    lines: list[str] = []
    for seeder in DEMO_SEEDERS:
        lines.extend(seeder())
    return lines
