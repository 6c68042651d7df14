"""Demo councils with members, a coming meeting and a held one."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.accounts.services import find_user_by_email
from portal.core.times import local_to_utc
from portal.councils.models import Council, CouncilKind, MemberRole
from portal.councils.services import (
    add_member,
    add_seat_group,
    mark_attendance,
    record_meeting_output,
    save_council,
    schedule_meeting,
)
from portal.extensions import db
from portal.impact.models import Attendance, OutputKind


def seed_councils() -> Iterable[str]:
    if db.session.scalars(select(Council)).first() is not None:
        return []
    coordinator = find_user_by_email("koordinaattori@demo.osallistu.fi")
    if coordinator is None:
        return []
    area = db.session.scalars(
        select(OrgUnit).where(
            OrgUnit.kind == OrgUnitKind.SERVICE_AREA, OrgUnit.name_fi == "Ikäihmisten palvelut"
        )
    ).first()
    today = date.today()
    start = date(today.year, 1, 1)
    new_council = functools.partial(
        save_council,
        actor=coordinator,
        council=None,
        responsibles=[coordinator],
        term_starts_on=start,
        term_ends_on=date(today.year + 1, 12, 31),
    )
    elderly = new_council(
        name_fi="Vanhusneuvosto",
        name_sv="Äldrerådet",
        kind=CouncilKind.INFLUENCE_BODY,
        org_unit=area,
        purpose="Vanhusneuvosto tuo ikääntyneiden näkökulman hyvinvointialueen päätöksentekoon.",
        tasks="Lausunnot palvelustrategiasta, ikäihmisten palvelujen seuranta, aloitteet.",
        target_size=11,
        accepts_applications=False,
    )
    add_seat_group(actor=coordinator, council=elderly, name="Eläkeläisjärjestöt", seats=8)
    add_seat_group(actor=coordinator, council=elderly, name="Henkilöstön edustajat", seats=2)
    mental = new_council(
        name_fi="Mielenterveyspalvelujen asiakasraati",
        name_sv="Klientrådet för mentalvårdstjänster",
        kind=CouncilKind.CLIENT_COUNCIL,
        org_unit=None,
        purpose=(
            "Raati kehittää mielenterveyspalveluja asiakkaiden ja läheisten kokemusten pohjalta."
        ),
        tasks="Palvelujen kehittäminen, asiakaspalautteen käsittely.",
        target_size=8,
        accepts_applications=True,
    )
    term = elderly.current_term(today)
    people = [
        ("Raili Rantanen", "raili.rantanen@demo.osallistu.fi", MemberRole.CHAIR),
        ("Veikko Virtanen", "veikko.virtanen@demo.osallistu.fi", MemberRole.MEMBER),
        ("Helmi Heikkilä", "helmi.heikkila@demo.osallistu.fi", MemberRole.MEMBER),
        ("Eeva Kokemusasiantuntija", "asiantuntija@demo.osallistu.fi", MemberRole.MEMBER),
    ]
    for name, email, role in people:
        add_member(
            actor=coordinator,
            term=term,
            name=name,
            email=email,
            role=role,
            seat_group=elderly.seat_groups[0],
            starts_on=start,
        )
    held = schedule_meeting(
        actor=coordinator,
        council=elderly,
        title="Kevään kokous",
        starts_at=local_to_utc(start + timedelta(days=40), time(13)),
        ends_at=local_to_utc(start + timedelta(days=40), time(15)),
        place="Tampereen keskustan palvelukeskus, kokoushuone 2",
        accessibility_info="Esteetön sisäänkäynti, induktiosilmukka.",
        agenda="1. Avaus\n2. Palvelustrategian luonnos\n3. Muut asiat",
        now=local_to_utc(start, time(0)),
    )
    mark_attendance(
        actor=coordinator,
        meeting=held,
        marks={
            inv.id: (Attendance.PRESENT if i else Attendance.REMOTE, Decimal("2"))
            for i, inv in enumerate(held.invitations)
        },
    )
    record_meeting_output(
        actor=coordinator,
        meeting=held,
        kind=OutputKind.RECOMMENDATION,
        title="Kotihoidon käyntiaikoihin joustoa",
        text=(
            "Vanhusneuvosto suosittaa, että kotihoidon asiakas voi vaikuttaa "
            "käyntiensä ajankohtaan."
        ),
    )
    coming_day = today + timedelta(days=14)
    schedule_meeting(
        actor=coordinator,
        council=elderly,
        title="Syksyn kokous",
        starts_at=local_to_utc(coming_day, time(13)),
        ends_at=local_to_utc(coming_day, time(15)),
        place="Tampereen keskustan palvelukeskus, kokoushuone 2",
        remote_link="https://meet.example.fi/vanhusneuvosto",
        agenda="1. Avaus\n2. Talousarvio\n3. Muut asiat",
    )
    return [f"Demo councils added: {elderly.name_fi}, {mental.name_fi}."]
