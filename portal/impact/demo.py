"""A few activities and outputs so the impact lists are not empty in the demo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind, User
from portal.extensions import db
from portal.impact.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Decision,
    ImplementationStatus,
    Output,
    OutputKind,
    Response,
)
from portal.impact.services import record_participation, register_activity, register_output

_WORKSHOP_RECOMMENDATIONS = (
    (
        "Ajanvaraus myös puhelimitse",
        "Sähköisen ajanvarauksen rinnalle tarvitaan aina myös puhelinvaraus.",
    ),
    (
        "Selkeät opasteet terveysasemalle",
        "Opasteet sisäänkäynniltä vastaanotoille selkokielellä ja kuvin.",
    ),
    ("Chat-palvelu auki myös iltaisin", "Digitaalinen chat-palvelu auki arkisin kello 20 asti."),
)


def seed_impact() -> Iterable[str]:
    if db.session.scalars(select(Activity).where(Activity.source_type == "demo")).first():
        return []
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.UNIT)).first()
    residents = db.all(select(User).where(User.email.like("%demo.osallistu.fi")))
    today = date.today()
    workshop = register_activity(
        kind=ActivityKind.WORKSHOP,
        title="Digitaalisten palvelujen kehittämistyöpaja",
        source_type="demo",
        source_id=1,
        org_unit=unit,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=30),
        status=ActivityStatus.CLOSED,
    )
    for person in residents[:4]:
        record_participation(
            activity=workshop,
            user=person,
            occurred_on=workshop.starts_on,
            hours=Decimal("2.5"),
            event_type="demo_session",
            event_id=1,
        )
    # Three recommendations, the last two answered, so that "you said, we did" and the
    # reports have something to show: one carried out, one partly accepted with the reason
    # residents read.
    _, signs, chat = (
        register_output(
            activity=workshop,
            kind=OutputKind.RECOMMENDATION,
            title=title,
            text=text,
            source_type="demo_output",
            source_id=number,
        )
        for number, (title, text) in enumerate(_WORKSHOP_RECOMMENDATIONS, start=1)
    )
    # The outputs came out of the workshop, so they date from it (responses follow them).
    workshop_day = datetime.combine(workshop.starts_on, time(15), UTC)
    for output in db.session.scalars(select(Output).where(Output.activity_id == workshop.id)):
        output.created_at = workshop_day
    db.session.add_all(
        [
            Response(
                output=signs,
                decision=Decision.ACCEPTED,
                decided_on=today - timedelta(days=20),
                decision_reference="Palvelualueen johtoryhmä § 12",
                implementation_status=ImplementationStatus.DONE,
                implemented_on=today - timedelta(days=5),
            ),
            Response(
                output=chat,
                decision=Decision.PARTLY_ACCEPTED,
                decided_on=today - timedelta(days=10),
                reason="Chat on auki iltaisin kokeiluna kahtena arki-iltana viikossa.",
                implementation_status=ImplementationStatus.IN_PROGRESS,
                implementation_planned_on=today + timedelta(days=30),
            ),
        ]
    )
    register_activity(
        kind=ActivityKind.FEEDBACK,
        title="Kerro kokemuksesi terveysaseman palveluista",
        source_type="demo",
        source_id=2,
        org_unit=unit,
        starts_on=today,
        ends_on=today + timedelta(days=30),
        status=ActivityStatus.OPEN,
    )
    db.session.commit()
    return ["Demo activities added."]
