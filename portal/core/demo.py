"""Demo data for trying the portal: every installed domain seeds its own part."""

from __future__ import annotations

from portal.core.domains import demo_seeders


def seed_demo() -> list[str]:
    """Run each domain's seeder in registration order and collect the lines they print.

    Later seeders use what earlier ones created (pool members are invited to councils and
    panels, attendance becomes fee claims...), so the composition root lists domains in
    dependency order.
    """
    lines: list[str] = []
    for seeder in demo_seeders():
        lines.extend(seeder())
    return lines
