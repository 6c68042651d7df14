"""The web form's posting path: routing to the unit and its area, limits, the cells."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.feedback.models import Answer, FigureCell, StatementCell


def _token(client: Any, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    match = re.search(rb'name="token" value="([^"]+)"', page.data)
    assert match, "no form token"
    return match.group(1).decode()


@pytest.fixture
def deep_tree(db: Any) -> dict[str, OrgUnit]:
    """county > area > unit > team, plus a unit with no area and an area on its own."""
    county = OrgUnit(kind=OrgUnitKind.COUNTY, name_fi="Hyvinvointialue")
    area = OrgUnit(kind=OrgUnitKind.SERVICE_AREA, name_fi="Ikäihmiset", parent=county)
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Kotihoito", parent=area)
    team = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Kotihoito, tiimi 3", parent=unit)
    squad = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Ilta-vuoro", parent=team)
    orphan = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Erillinen yksikkö", parent=county)
    loose = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Ilman puuta")
    db.session.add_all([county, area, unit, team, squad, orphan, loose])
    db.session.commit()
    return {
        "county": county,
        "area": area,
        "unit": unit,
        "team": team,
        "squad": squad,
        "orphan": orphan,
        "loose": loose,
    }


@pytest.mark.parametrize("name", ["area", "unit", "team", "squad", "orphan", "loose"])
def test_an_answer_is_routed_to_its_unit_and_the_units_service_area(
    client: Any, db: Any, deep_tree: dict[str, OrgUnit], name: str
) -> None:
    target = deep_tree[name]
    url = f"/feedback/unit/{target.id}"
    form = {"token": _token(client, url), "score": "9", "q_safety": "4", "q_useful": "0"}
    assert client.post(url, data=form).status_code == 303
    answer = db.session.scalars(select(Answer)).one()
    # The ORM's own walk up the tree is the independent reference.
    expected_area = target.service_area.id if target.service_area is not None else None
    assert (answer.org_unit_id, answer.service_area_id) == (target.id, expected_area)
    cell = db.session.scalars(select(FigureCell)).one()
    assert (cell.org_unit_id, cell.service_area_id, cell.promoters) == (target.id, expected_area, 1)
    statements = {c.question_code: (c.v0, c.v4) for c in db.session.scalars(select(StatementCell))}
    assert statements == {"safety": (0, 1), "useful": (1, 0)}


def test_the_county_and_unknown_units_have_no_form(
    client: Any, db: Any, deep_tree: dict[str, OrgUnit]
) -> None:
    token = _token(client, f"/feedback/unit/{deep_tree['unit'].id}")
    for unit_id in (deep_tree["county"].id, 999_999):
        assert client.get(f"/feedback/unit/{unit_id}").status_code == 404
        posted = client.post(f"/feedback/unit/{unit_id}", data={"token": token, "score": "5"})
        assert posted.status_code == 404
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_a_token_for_one_unit_does_not_post_to_another(
    client: Any, db: Any, deep_tree: dict[str, OrgUnit]
) -> None:
    token = _token(client, f"/feedback/unit/{deep_tree['unit'].id}")
    response = client.post(f"/feedback/unit/{deep_tree['team'].id}", data={"token": token})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_answers_from_one_address_are_limited(
    app: Any, client: Any, db: Any, deep_tree: dict[str, OrgUnit]
) -> None:
    limit = int(app.config["PORTAL"].feedback_rate_limit.split(" per minute")[0])
    url = f"/feedback/unit/{deep_tree['unit'].id}"
    statuses = [
        client.post(url, data={"token": _token(client, url), "score": "7"}).status_code
        for _ in range(limit + 2)
    ]
    assert statuses == [303] * limit + [429, 429]
    assert db.session.scalar(select(func.count(Answer.id))) == limit
    # Another address still gets through: the limit counts per address.
    other = client.post(
        url,
        data={"token": _token(client, url), "score": "7"},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    assert other.status_code == 303


def test_the_first_answer_of_a_new_county_brings_the_national_questionnaire(
    client: Any, db: Any, deep_tree: dict[str, OrgUnit]
) -> None:
    from portal.feedback import services
    from portal.feedback.models import Questionnaire

    assert db.session.scalar(select(func.count(Questionnaire.id))) == 0
    unit = deep_tree["unit"]
    token = services.issue_form_token(unit.id, "web")
    response = client.post(
        f"/feedback/unit/{unit.id}", data={"token": token, "score": "10", "q_safety": "5"}
    )
    assert response.status_code == 303
    answer = db.session.scalars(select(Answer)).one()
    assert answer.questionnaire.channel == "web" and answer.questionnaire.is_current
    assert [s.value for s in answer.statements] == [5]


def _cells() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    from portal.extensions import db

    key = ("org_unit_id", "service_area_id", "channel", "language", "period_month")
    figures = {
        tuple(getattr(c, name) for name in (*key, "promoters", "passives", "detractors"))
        for c in db.session.scalars(select(FigureCell))
    }
    statements = {
        (c.org_unit_id, c.language, c.question_code, c.v0, c.v1, c.v2, c.v3, c.v4, c.v5)
        for c in db.session.scalars(select(StatementCell))
    }
    return figures, statements


def test_posted_answers_are_counted_as_a_rebuild_from_the_answers_counts_them(
    client: Any, db: Any, deep_tree: dict[str, OrgUnit]
) -> None:
    """Random answers, some posted twice: the cells kept per answer equal a full rebuild."""
    import random

    from portal.feedback import services
    from portal.feedback.models import StatementAnswer

    rng = random.Random(20261202)
    codes = ("help_when_needed", "safety", "useful", "understandable_information", "holistic_care")
    posted = 0
    for respondent in range(40):
        address = {"REMOTE_ADDR": f"192.0.2.{respondent + 1}"}  # the limit counts per address
        target = deep_tree[rng.choice(["unit", "team", "orphan"])]
        language = rng.choice(["fi", "sv"])
        url = f"/feedback/unit/{target.id}?lang={language}"
        form = {"token": _token(client, url), "score": str(rng.randint(0, 10)), "lang": language}
        for code in rng.sample(codes, rng.randint(0, len(codes))):
            form[f"q_{code}"] = str(rng.randint(0, 5))
        for _attempt in range(rng.choice([1, 1, 2])):  # a double click resends the form
            assert client.post(url, data=form, environ_base=address).status_code == 303
        posted += 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Answer.id))) == posted
    assert db.session.scalar(select(func.count(StatementAnswer.id))) > 0
    kept = _cells()
    services.rebuild_figures()
    db.session.commit()
    assert _cells() == kept
