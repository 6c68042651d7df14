"""Participation-experience surveys: mailed after an activity ends, answered once."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.feedback import services
from portal.feedback.models import Answer, SurveyInvitation
from portal.feedback.services.privacy import export_personal_data
from portal.impact import services as impact
from portal.impact.models import ActivityKind
from tests.conftest import body_text


def _ended_council(db: Any, name: str, people: list[Any], *, today: date) -> Any:
    """A council term that ended two days ago, with ``people`` taking part a month ago."""
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi=name)
    db.session.add(unit)
    db.session.commit()
    activity = impact.register_activity(
        kind=ActivityKind.COUNCIL,
        title=f"{name} 2025-2026",
        source_type="test",
        source_id=1,
        org_unit=unit,
        starts_on=today - timedelta(days=300),
        ends_on=today - timedelta(days=2),
    )
    for person in people:
        impact.record_participation(
            activity=activity,
            user=person,
            occurred_on=today - timedelta(days=30),
            hours=Decimal("2"),
        )
    db.session.commit()
    return activity


def test_participants_get_one_survey_and_answers_feed_the_activity_kind(
    client: Any, db: Any, create_user: Any, mailbox: Any
) -> None:
    today = date.today()
    people = [create_user(locale="sv" if n == 0 else "fi") for n in range(6)]
    activity = _ended_council(db, "Vanhusneuvosto", people, today=today)
    assert services.send_surveys_for_ended_activities(today=today) == 6
    assert services.send_surveys_for_ended_activities(today=today) == 0  # asked once
    rng = random.Random(8)
    scores = []
    for person in people:
        message = mailbox.wait_for(person.email)[0]
        link = re.search(r"http://localhost(/feedback/survey/\S+)", body_text(message)).group(1)
        path = urlsplit(link).path
        page = client.get(link)
        assert page.status_code == 200 and "Set-Cookie" not in page.headers
        if person.locale == "sv":
            assert "Jag kunde påverka" in page.get_data(as_text=True)
        score = rng.randint(0, 10)
        scores.append(score)
        response = client.post(
            path, data={"score": str(score), "q_could_influence": "4", "lang": person.locale}
        )
        assert response.status_code == 200
        again = client.post(path, data={"score": "0"})
        assert again.status_code == 200
    assert db.session.scalar(select(func.count(Answer.id))) == 6
    assert all(a.activity_id == activity.id for a in db.session.scalars(select(Answer)))
    rows = services.participation_by_kind(services.ReportFilter())
    assert len(rows) == 1 and rows[0]["kind"] == "council"
    assert rows[0]["result"].n == 6
    assert rows[0]["result"].promoters == sum(s >= 9 for s in scores)
    assert rows[0]["means"]["could_influence"] == 4.0
    assert (
        db.session.scalar(
            select(func.count(SurveyInvitation.id)).where(SurveyInvitation.used_at.is_not(None))
        )
        == 6
    )
    # customer-feedback reports do not mix in participation answers
    assert services.overall_nps(services.ReportFilter()).n == 0


def test_erasing_a_participant_unlinks_the_survey_and_keeps_the_answer(
    client: Any, db: Any, create_user: Any, mailbox: Any
) -> None:
    from portal.accounts import services as accounts

    today = date.today()
    person = create_user(locale="fi")
    activity = _ended_council(db, "Nuorisovaltuusto", [person], today=today)
    assert services.send_surveys_for_ended_activities(today=today) == 1
    link = re.search(
        r"http://localhost(/feedback/survey/\S+)", body_text(mailbox.wait_for(person.email)[0])
    ).group(1)
    assert client.post(urlsplit(link).path, data={"score": "9", "lang": "fi"}).status_code == 200
    assert export_personal_data(person)[0]["answered"] is True

    accounts.erase_user(actor=person, user=person)
    db.session.expire_all()
    invitation = db.session.scalars(select(SurveyInvitation)).one()
    assert invitation.user_id is None and invitation.used_at is not None
    answer = db.session.scalars(select(Answer)).one()  # anonymous: kept for the figures
    assert (answer.activity_id, answer.score) == (activity.id, 9)
    assert services.participation_by_kind(services.ReportFilter())[0]["result"].n == 1
