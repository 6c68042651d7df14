"""A few dozen demo members of the resident pool and one invitation."""

from __future__ import annotations

import random
from collections.abc import Iterable

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.models import Municipality
from portal.extensions import db
from portal.impact.models import Activity
from portal.pool.models import InterestArea, PoolMember
from portal.pool.services import MemberData, _add_member, create_invitation

FIRST = [
    "Aino",
    "Eero",
    "Helmi",
    "Juha",
    "Kaisa",
    "Lauri",
    "Maija",
    "Niko",
    "Oona",
    "Pekka",
    "Sanna",
    "Timo",
    "Ulla",
    "Ville",
    "Anna",
    "Björn",
    "Elsa",
    "Mikael",
    "Leena",
    "Ahmed",
]
LAST = [
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lindqvist",
    "Saarinen",
    "Salo",
    "Ali",
]


def seed_pool() -> Iterable[str]:
    if db.session.scalars(select(User).where(User.email.like("pool%@demo.osallistu.fi"))).first():
        return []
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not a secret
    places = db.all(select(Municipality))
    weights = [m.population for m in places]
    areas = db.all(select(InterestArea))
    for n in range(40):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        language = rng.choices(["fi", "sv", "other"], weights=[88, 3, 9])[0]
        channel = rng.choices(["email", "sms", "letter"], weights=[85, 10, 5])[0]
        _add_member(
            data=MemberData(
                name=f"{first} {last}",
                email=f"pool{n}@demo.osallistu.fi",
                phone=f"040 {rng.randint(1000000, 9999999)}",
                contact_channel=channel,
                postal_address="Hämeenkatu 1, 33100 Tampere" if channel == "letter" else None,
                birth_year=rng.randint(1940, 2008),
                gender=rng.choices(["woman", "man", "other", "undisclosed"], [55, 40, 2, 3])[0],
                municipality_id=rng.choices(places, weights)[0].id,
                municipality_other=False,
                language=language,
                language_other="arabia" if language == "other" else None,
                interest_ids=[a.id for a in rng.sample(areas, k=min(2, len(areas)))],
                locale="sv" if language == "sv" else "fi",
            ),
            consent_version="demo",
            source="coordinator",
        )
    db.session.commit()
    activity = db.session.scalars(select(Activity).where(Activity.status != "closed")).first()
    coordinator = (
        db.session.scalars(select(User).where(User.email.like("%coordinator%"))).first()
        or db.session.scalars(select(User)).first()
    )
    if activity is not None and coordinator is not None:
        create_invitation(actor=coordinator, activity=activity, sample_size=10, seed="demo")
    count = db.session.query(PoolMember).count()
    return [f"resident pool: {count} members"]
