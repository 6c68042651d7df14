"""Paper forms typed in by staff: the full statement set, marked as staff entry, stored once."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.feedback.models import Answer, Question, StatementAnswer


def _page(client: Any) -> tuple[str, str, str]:
    page = client.get("/feedback/entry")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return html, csrf, token


def test_staff_type_in_a_paper_form_with_its_statements(db: Any, login_as: Any) -> None:
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Terveysasema")
    db.session.add(unit)
    db.session.commit()
    staff = login_as("staff", org_unit=unit, locale="fi")
    html, csrf, token = _page(staff)
    assert 'name="q_safety"' in html and 'name="q_useful"' in html  # the full paper set
    form = {
        "csrf_token": csrf,
        "token": token,
        "unit": str(unit.id),
        "submitted_on": (date.today() - timedelta(days=3)).isoformat(),
        "language": "sv",
        "score": "6",
        "q_safety": "4",
        "q_useful": "0",
        "open_text": "Väntade länge i telefon",
    }
    for _attempt in range(2):  # a double click stores one answer
        assert staff.post("/feedback/entry", data=form).status_code in (302, 303)
    answer = db.session.scalars(select(Answer)).one()
    assert (answer.channel, answer.entry, answer.language, answer.score) == (
        "paper",
        "staff",
        "sv",
        6,
    )
    assert answer.submitted_on == date.today() - timedelta(days=3)
    values = dict(
        db.session.execute(
            select(Question.code, StatementAnswer.value).join(
                StatementAnswer, StatementAnswer.question_id == Question.id
            )
        ).all()
    )
    assert values == {"safety": 4, "useful": 0}


def test_a_wrong_paper_form_is_shown_again_with_what_was_typed(db: Any, login_as: Any) -> None:
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Neuvola")
    db.session.add(unit)
    db.session.commit()
    staff = login_as("staff", org_unit=unit, locale="fi")
    _html, csrf, token = _page(staff)
    form = {
        "csrf_token": csrf,
        "token": token,
        "unit": str(unit.id),
        "submitted_on": (date.today() + timedelta(days=1)).isoformat(),
        "language": "fi",
        "score": "9",
        "q_safety": "5",
        "open_text": "Hyvä palvelu",
    }
    future = staff.post("/feedback/entry", data=form)
    assert future.status_code == 422
    page = future.get_data(as_text=True)
    assert "Hyvä palvelu" in page and 'id="q_safety-5" name="q_safety" value="5" checked' in page
    form["submitted_on"] = date.today().isoformat()
    form["q_safety"] = "7"
    assert staff.post("/feedback/entry", data=form).status_code == 422
    assert db.session.scalar(select(func.count(Answer.id))) == 0
