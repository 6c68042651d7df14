"""Demo initiatives in several states, so the pages and reports are not empty."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import User, UserRole
from portal.core.permissions import Role
from portal.extensions import db
from portal.initiatives import services
from portal.initiatives.models import Initiative

DEMO_INITIATIVES = [
    (
        "Terveysaseman iltavastaanotto Kangasalle",
        "Kangasalan terveysasemalle avataan iltavastaanotto kahtena iltana viikossa.",
        "Moni työssäkäyvä ei pääse vastaanotolle virka-aikana.",
    ),
    (
        "Esteetön kulku Nokian sosiaalitoimistoon",
        "Sosiaalitoimiston sisäänkäynnille rakennetaan luiska ja automaattiovi.",
        "Pyörätuolilla ja rollaattorilla kulkevat eivät nyt pääse sisään ilman apua.",
    ),
    (
        "Perhekeskuksen palvelut myös ruotsiksi",
        "Perhekeskuksen neuvonta tarjotaan myös ruotsin kielellä.",
        "Ruotsinkieliset perheet saavat palvelua omalla kielellään.",
    ),
]


def _first_user_with(role: Role) -> User | None:
    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == str(role))
        .order_by(User.id)
    ).first()


def seed_initiatives() -> Iterable[str]:
    if db.session.scalars(select(Initiative).limit(1)).first() is not None:
        return []
    resident = _first_user_with(Role.RESIDENT)
    coordinator = _first_user_with(Role.COORDINATOR)
    if resident is None or coordinator is None:
        return []
    made = []
    for title, proposal, justification in DEMO_INITIATIVES:
        initiative = services.create_initiative(
            actor=resident, title=title, proposal=proposal, justification=justification
        )
        made.append(initiative)
    first, second, third = made
    for initiative in (first, second):
        services.send_for_check(actor=resident, initiative=initiative)
        services.publish_initiative(actor=coordinator, initiative=initiative)
    services.submit_initiative(
        actor=resident, initiative=second, today=date.today() - timedelta(days=10)
    )
    services.assign_initiative(actor=coordinator, initiative=second, assigned_to="Aluehallitus")
    services.send_for_check(actor=resident, initiative=third)
    return [f"Demo initiatives: {len(made)} (collecting, in processing, waiting for a check)."]
