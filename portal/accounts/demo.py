"""Demo people and the organisation tree."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind, User
from portal.accounts.services import create_user, set_password
from portal.core.models import Municipality
from portal.core.permissions import Role
from portal.extensions import db

UNIT_TREE = {
    "Lasten, nuorten ja perheiden palvelut": (
        "Familjetjänster för barn och unga",
        "Children, youth and family services",
        ["Lastensuojelu", "Perheneuvola"],
    ),
    "Ikäihmisten palvelut": (
        "Tjänster för äldre",
        "Services for older people",
        ["Kotihoito", "Ympärivuorokautinen hoiva"],
    ),
    "Mielenterveys- ja päihdepalvelut": (
        "Mentalvårds- och missbrukartjänster",
        "Mental health and substance abuse services",
        ["Aikuisten psykiatria", "Päihdepalvelut"],
    ),
    "Terveysasemat": ("Hälsostationer", "Health centres", ["Hervannan terveysasema"]),
}

DEMO_PEOPLE = [
    ("admin@demo.osallistu.fi", "Aino Ylläpitäjä", {Role.ADMIN}),
    ("koordinaattori@demo.osallistu.fi", "Kaisa Koordinaattori", {Role.COORDINATOR}),
    ("tyontekija@demo.osallistu.fi", "Timo Työntekijä", {Role.STAFF}),
    ("asiantuntija@demo.osallistu.fi", "Eeva Kokemusasiantuntija", {Role.EXPERT}),
    ("paattaja@demo.osallistu.fi", "Pekka Päättäjä", {Role.DECISION_MAKER}),
    ("talous@demo.osallistu.fi", "Sari Taloushyväksyjä", {Role.FINANCE_APPROVER}),
    ("asukas@demo.osallistu.fi", "Matti Asukas", {Role.RESIDENT}),
    ("invånare@demo.osallistu.fi", "Linnea Invånare", {Role.RESIDENT}),
]


def seed_accounts() -> Iterable[str]:
    if db.session.scalars(select(User).where(User.email == DEMO_PEOPLE[0][0])).first():
        return ["Demo accounts exist already; nothing added."]
    county = OrgUnit(
        kind=OrgUnitKind.COUNTY,
        name_fi="Pirkanmaan hyvinvointialue",
        name_sv="Birkalands välfärdsområde",
        name_en="Pirkanmaa wellbeing services county",
    )
    db.session.add(county)
    first_unit = None
    for area_fi, (area_sv, area_en, units) in UNIT_TREE.items():
        area = OrgUnit(
            kind=OrgUnitKind.SERVICE_AREA,
            parent=county,
            name_fi=area_fi,
            name_sv=area_sv,
            name_en=area_en,
        )
        db.session.add(area)
        for unit_name in units:
            unit = OrgUnit(
                kind=OrgUnitKind.UNIT,
                parent=area,
                name_fi=unit_name,
                manager_email=f"esihenkilo.{len(unit_name)}@demo.osallistu.fi",
            )
            db.session.add(unit)
            first_unit = first_unit or unit
    db.session.flush()
    tampere = db.session.scalars(select(Municipality).where(Municipality.slug == "tampere")).first()
    password = new_demo_password()
    lines = demo_sign_in_lines(password)
    for email, name, roles in DEMO_PEOPLE:
        user = create_user(
            email=email,
            name=name,
            password=password,
            roles=roles,
            verified=True,
            locale="sv" if "invånare" in email else "fi",
            org_unit=first_unit if roles & {Role.STAFF, Role.DECISION_MAKER} else None,
        )
        user.municipality = tampere
    db.session.commit()
    return lines


def new_demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(9)


def demo_sign_in_lines(password: str) -> list[str]:
    lines = [
        "Demo sign-ins, all with the password: " + password,
        *(f"  {email:40} {', '.join(sorted(map(str, roles)))}" for email, _n, roles in DEMO_PEOPLE),
        "Sign in at /login; the admin manages users and units, the coordinator runs pools,",
        "councils, panels and discussions. Print new sign-ins: flask --app wsgi demo-sign-ins",
    ]
    return lines


def reset_demo_passwords() -> list[str]:
    """Give the demo accounts a fresh password and return the sign-in lines again."""
    password = new_demo_password()
    emails = [email for email, _name, _roles in DEMO_PEOPLE]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    if not users:
        return ["No demo accounts: run flask --app wsgi seed-demo first."]
    for user in users:
        set_password(user=user, password=password)
    db.session.commit()
    return demo_sign_in_lines(password)
