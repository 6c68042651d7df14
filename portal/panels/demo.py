"""Demo: the pilot resident panel with a synthetic volunteer list, ready to be drawn."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.services import find_user_by_email
from portal.core.population import AGE_BANDS
from portal.extensions import db
from portal.panels import services
from portal.panels.features import DEFAULT_MUNICIPALITY_GROUPS
from portal.panels.models import Panel

PILOT_QUESTION = "Miten teemme digitaalisen muutoksen kunnioittavasti ja vastuullisesti?"


def _volunteers(count: int) -> str:
    # Volunteer pools lean older and towards Tampere; the draw's quotas correct for that.
    rng = random.Random(2026)  # noqa: S311 - synthetic demo data, not security
    ages = [band.label for band in AGE_BANDS]
    age_weights = [4, 7, 9, 11, 15, 17, 8]
    groups = ["Tampere", "Kehyskunnat", "rest"]
    lines = ["id,age_band,gender,municipality_group,language"]
    for i in range(count):
        lines.append(
            ",".join(
                [
                    f"v{i + 1:04d}",
                    rng.choices(ages, age_weights)[0],
                    rng.choices(["woman", "man", "other"], [60, 39, 1])[0],
                    rng.choices(groups, [60, 25, 15])[0],
                    rng.choices(["fi", "sv", "other"], [94, 1, 5])[0],
                ]
            )
        )
    return "\n".join(lines) + "\n"


def seed_panels() -> Iterable[str]:
    if db.session.scalars(select(Panel).where(Panel.question == PILOT_QUESTION)).first():
        return []
    coordinator = find_user_by_email("koordinaattori@demo.osallistu.fi")
    if coordinator is None:
        return []
    starts = date.today() + timedelta(days=60)
    panel = services.create_panel(
        actor=coordinator,
        question=PILOT_QUESTION,
        description=(
            "Asukaspaneeli pohtii, miten hyvinvointialueen palveluja digitalisoidaan niin, "
            "että jokainen pääsee palveluihin ja tulee kohdatuksi.\n\n"
            "Paneeli kokoontuu neljä kertaa ja antaa suosituksensa aluehallitukselle."
        ),
        size=36,
        starts_on=starts,
        ends_on=starts + timedelta(days=42),
        features=["age_band", "gender", "municipality_group", "language"],
        municipality_groups=DEFAULT_MUNICIPALITY_GROUPS,
        pays_fee=True,
    )
    services.upload_candidates(actor=coordinator, panel=panel, text=_volunteers(400))
    services.publish_panel(actor=coordinator, panel=panel)
    services.announce_seed(
        actor=coordinator,
        panel=panel,
        seed="3 11 17 24 29 33 38",
        seed_source="Lotto, kierros 47/2026",
        method="leximin",
    )
    return [f"Resident panel with 400 candidates, ready to draw: /panels/{panel.id}/draw"]
