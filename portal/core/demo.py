"""Demo data for trying the portal: people in every role, units and activities."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from portal.accounts.demo import seed_accounts
from portal.councils.demo import seed_councils
from portal.deliberation.demo import seed_deliberation
from portal.experts.demo import seed_experts
from portal.fees.demo import seed_fees
from portal.impact.demo import seed_impact
from portal.initiatives.demo import seed_initiatives
from portal.panels.demo import seed_panels
from portal.pool.demo import seed_pool

# Each seeder returns lines to print; later seeders use what earlier ones created
# (pool members are invited to councils and panels, attendance becomes fee claims...).
DEMO_SEEDERS: tuple[Callable[[], Iterable[str]], ...] = (
    seed_accounts,
    seed_pool,
    seed_councils,
    seed_experts,
    seed_fees,
    seed_panels,
    seed_initiatives,
    seed_deliberation,
    seed_impact,
)


def seed_demo() -> list[str]:
    lines: list[str] = []
    for seeder in DEMO_SEEDERS:
        lines.extend(seeder())
    return lines
