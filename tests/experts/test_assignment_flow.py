"""From a unit's request to a confirmed, fee-eligible assignment in the impact chain."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.core.db import utcnow
from portal.experts.models import ExpertAssignment, ExpertRequest
from portal.extensions import db as portal_db
from portal.impact.models import Activity, Participation
from tests.conftest import body_text, csrf_token
from tests.experts.factories import make_expert, make_units

ANSWER_LINK = re.compile(r"http://localhost(/experts/answer/\S+)")


def _move_into_past(request_id: int) -> None:
    from sqlalchemy import update

    start = utcnow() - timedelta(hours=3)
    end = start + timedelta(hours=2)
    for model, key in (
        (ExpertRequest, ExpertRequest.id),
        (ExpertAssignment, ExpertAssignment.request_id),
    ):
        portal_db.session.execute(
            update(model)
            .where(key == request_id)
            .values(starts_at=start, ends_at=end)
            .execution_options(synchronize_session=False)
        )
    portal_db.session.commit()
    portal_db.session.expire_all()


def test_request_assign_accept_by_email_and_confirm(
    login_as: Any, create_user: Any, db: Any, mailbox: Any
) -> None:
    area, psychiatry, _substance = make_units()
    coordinator = login_as("coordinator", email="koordinaattori@example.fi")
    staff = login_as("staff", email="hoitaja@example.fi", org_unit=psychiatry)
    good = make_expert(
        coordinator.user,
        name="Eeva Esimerkki",
        email="eeva@example.fi",
        areas=["mental_health", "substance_use"],
        service_area_ids=[area.id],
    )
    make_expert(coordinator.user, name="Sven Svensson", email="sven@example.fi", languages=["sv"])

    # 1. the unit files a request
    url = "/experts/requests/new"
    day = (date.today() + timedelta(days=10)).isoformat()
    response = staff.post(
        url,
        data={
            "csrf_token": csrf_token(staff, url),
            "title": "Kokemuspuheenvuoro henkilöstön koulutukseen",
            "task_type": "staff_training",
            "description": "Puheenvuoro toipumisesta, 30 min, ja keskustelu.",
            "day": day,
            "start_time": "09:00",
            "end_time": "11:30",
            "place": "Hatanpään valtatie 24, auditorio",
            "preparation": "Etätapaaminen viikkoa ennen.",
            "expertise_wanted": ["mental_health"],
            "language": "fi",
            "experts_needed": "1",
            "cost_centre": "4410",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    request = db.session.scalars(select(ExpertRequest)).one()
    assert request.org_unit_id == psychiatry.id and request.requester_id == staff.user.id
    notice = mailbox.wait_for("koordinaattori@example.fi")[0]
    assert f"/experts/requests/{request.id}/match" in body_text(notice)

    # 2. the coordinator sees the ranking and proposes the best fit
    ranking = coordinator.get(f"/experts/requests/{request.id}/match").get_data(as_text=True)
    assert ranking.index("Eeva Esimerkki") < ranking.index("Sven Svensson")
    url = f"/experts/requests/{request.id}/match"
    response = coordinator.post(
        f"/experts/requests/{request.id}/propose/{good.user_id}",
        data={"csrf_token": csrf_token(coordinator, url)},
    )
    assert response.status_code == 302

    # 3. the expert accepts through the link delivered by email
    offer = mailbox.wait_for("eeva@example.fi")[0]
    assert offer["Subject"].startswith("Ottaisitko toimeksiannon vastaan?")
    link = ANSWER_LINK.search(body_text(offer)).group(1)
    browser = coordinator.application.test_client()
    page = browser.get(link)
    assert page.status_code == 200
    assert "Hatanpään valtatie 24" in page.get_data(as_text=True)
    accepted = browser.post(
        link, data={"csrf_token": csrf_token(browser, link), "decision": "accept", "reason": ""}
    )
    assert accepted.status_code == 200
    assert "Hyväksyit toimeksiannon." in accepted.get_data(as_text=True)
    assert browser.get(link).status_code == 404  # single use
    db.session.expire_all()
    assignment = db.session.scalars(select(ExpertAssignment)).one()
    assert assignment.status == "accepted"
    assert db.session.get(ExpertRequest, request.id).status == "assigned"
    told = mailbox.wait_for("hoitaja@example.fi")[0]
    assert f"/experts/requests/{request.id}" in body_text(told)
    activity = db.session.get(Activity, assignment.activity_id)
    assert activity.kind == "expert_assignment" and activity.org_unit_id == psychiatry.id

    # 4. after it, the staff contact confirms it took place, with hours
    _move_into_past(request.id)
    url = f"/experts/requests/{request.id}"
    prefix = f"confirma{assignment.id}-"
    response = staff.post(
        f"/experts/assignments/{assignment.id}/confirm",
        data={
            prefix + "csrf_token": csrf_token(staff, url),
            prefix + "held": "yes",
            prefix + "hours": "3.5",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    participation = db.session.scalars(select(Participation)).one()
    assert participation.user_id == good.user_id
    assert participation.hours == Decimal("3.50") and participation.attendance == "present"
    assert participation.role == "expert"
    assert participation.event_type == "expert_assignment"
    assert participation.event_id == assignment.id
    assert participation.activity.kind == "expert_assignment"
    assert db.session.get(ExpertRequest, request.id).status == "completed"

    # 5. both sides give feedback
    prefix = f"ratinga{assignment.id}-"
    response = staff.post(
        f"/experts/assignments/{assignment.id}/rate",
        data={
            prefix + "csrf_token": csrf_token(staff, url),
            prefix + "rating": "5",
            prefix + "feedback": "Puheenvuoro oli koskettava.",
        },
    )
    assert response.status_code == 302
    expert = login_as(user=good.user)
    own_url = f"/experts/me/assignments/{assignment.id}"
    response = expert.post(
        f"{own_url}/feedback",
        data={"csrf_token": csrf_token(expert, own_url), "rating": "4", "feedback": "Hyvä ryhmä."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(ExpertAssignment, assignment.id)
    assert (done.requester_rating, done.expert_rating) == (5, 4)
    page = expert.get("/experts/me").get_data(as_text=True)
    assert "Kokemuspuheenvuoro henkilöstön koulutukseen" in page and "3,50" in page
