"""The report query layer, the dashboard, the response workflow and the public page.

A small, hand-checked chain is seeded in ``chain``; expected figures are worked out in the
comments next to each assertion.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import flask
import pytest
from sqlalchemy import select

from portal.core.domains import DOMAINS_KEY, Domain
from portal.core.models import AuditEntry
from portal.impact.metrics import CostRow, Period
from portal.impact.models import Output
from portal.impact.reports import ReportFilter, build_report
from portal.impact.services import record_participation
from tests.conftest import csrf_token
from tests.impact.conftest import add_output

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
TODAY = date(2027, 1, 15)


# --- the query layer ----------------------------------------------------------------------


def test_report_over_the_year(db: Any, chain: dict[str, Any]) -> None:
    report = build_report(ReportFilter(period=YEAR), today=TODAY, overdue_after_days=60)
    r = report.reach
    assert r.activities == 3  # council, panel, workshop
    assert r.participations == 5  # a, b (council); b, c (panel); d (workshop); c absent once
    assert r.absences == 1
    assert r.participants == 4  # a, b, c, d
    assert (r.new_participants, r.returning_participants) == (3, 1)  # a took part in 2025
    assert r.hours == Decimal("12.25")  # 2 + 2 + 3.5 + 3.5 + 1.25
    s = report.responsiveness
    assert (s.outputs, s.responded) == (5, 3)
    assert s.response_share == pytest.approx(0.6)
    # days to response: o1 20 (Feb 10 → Mar 2), o2 40 (Feb 20 → Apr 1), o3 10 → median 20
    assert s.median_days_to_response == 20
    assert (s.accepted, s.partly, s.not_accepted) == (1, 1, 1)
    # as of Dec 31: o4 waited 121 days (> 60), o5 only 46
    assert s.overdue == 1
    o = report.outcomes
    assert (o.positive, o.implemented, o.planned) == (2, 1, 1)
    assert o.implemented_share == pytest.approx(0.5)
    assert o.median_days_to_implementation == 120  # Mar 2 → Jun 30
    assert report.has_costs is False
    top = [
        (a.activity_id, a.participations, a.participants, a.hours) for a in report.top_activities
    ]
    assert top == [
        (chain["council"].id, 2, 2, Decimal("4.00")),  # a and b in February
        (chain["panel"].id, 2, 2, Decimal("7.00")),  # b and c in March
        (chain["workshop"].id, 1, 1, Decimal("1.25")),
    ]


def test_new_participants_are_new_to_participation_altogether(
    db: Any, chain: dict[str, Any]
) -> None:
    # Only the clinic's panel: b and c took part there; b had attended the council before
    # (in February), c had been absent there, so in March to December b returns and c is new.
    spring = Period(date(2026, 3, 1), date(2026, 12, 31))
    report = build_report(
        ReportFilter(period=spring, unit_id=chain["clinic"].id), today=TODAY, overdue_after_days=60
    )
    assert report.reach.participants == 2
    assert (report.reach.new_participants, report.reach.returning_participants) == (1, 1)


def test_filters_by_unit_area_and_kind(db: Any, chain: dict[str, Any]) -> None:
    def participants(**kwargs: Any) -> int:
        report = build_report(
            ReportFilter(period=YEAR, **kwargs), today=TODAY, overdue_after_days=60
        )
        return report.reach.participants

    assert participants(unit_id=chain["home_care"].id) == 2  # a, b (c was absent)
    assert participants(service_area_id=chain["area"].id) == 3  # a, b, c; not the workshop
    assert participants(kind="workshop") == 1
    assert participants(activity_id=chain["panel"].id) == 2


def test_representativeness_counts_each_person_once(db: Any, chain: dict[str, Any]) -> None:
    report = build_report(ReportFilter(period=YEAR), today=TODAY, overdue_after_days=60)
    gender = report.representativeness["gender"]
    # a and c are women, b a man (b took part twice but counts once), d did not tell
    counts = {c.category: c.count for c in gender.categories}
    assert counts == {"woman": 2, "man": 1}
    assert (gender.known, gender.unknown) == (3, 1)
    ages = {c.category: c.count for c in report.representativeness["age_band"].categories}
    # on Dec 31, 2026: a is 76 (75+), b 36 (35-44), c 26 (25-34)
    assert (ages["75+"], ages["35-44"], ages["25-34"], ages["15-24"]) == (1, 1, 1, 0)
    language = {c.category: c.count for c in report.representativeness["language"].categories}
    assert (language["fi"], language["sv"], language["other"]) == (2, 1, 0)
    municipality = report.representativeness["municipality"]
    assert {c.category: c.count for c in municipality.categories}["tampere"] == 3
    by_kind = {kind: people for kind, _indexes, people in report.representativeness_by_kind}
    assert by_kind == {"council": 2, "panel": 2, "workshop": 1}


def test_an_empty_period_has_zeros_and_no_ratios(db: Any, chain: dict[str, Any]) -> None:
    quiet = Period(date(2024, 1, 1), date(2024, 3, 31))
    report = build_report(ReportFilter(period=quiet), today=TODAY, overdue_after_days=60)
    assert report.reach.participants == 0 and report.reach.hours == Decimal("0.00")
    assert report.responsiveness.outputs == 0
    assert report.responsiveness.response_share is None
    assert report.responsiveness.median_days_to_response is None
    assert report.outcomes.implemented_share is None
    assert report.representativeness["gender"].index is None
    assert len(report.reach_trend) == 3


def test_costs_come_from_the_registered_provider(db: Any, chain: dict[str, Any]) -> None:
    council_id = chain["council"].id

    def provider(start: date, end: date) -> list[CostRow]:
        rows = [
            CostRow(council_id, date(2026, 2, 3), Decimal("100.00"), Decimal("20.00")),
            CostRow(999_999, date(2026, 2, 3), Decimal("50.00")),
        ]
        return [r for r in rows if start <= r.incurred_on <= end]

    # Install one more domain whose only contribution is this cost provider.
    app = flask.current_app
    original = app.extensions[DOMAINS_KEY]
    app.extensions[DOMAINS_KEY] = (*original, Domain("test_costs", cost_providers=(provider,)))
    try:
        report = build_report(
            ReportFilter(period=YEAR, unit_id=chain["home_care"].id),
            today=TODAY,
            overdue_after_days=60,
        )
    finally:
        app.extensions[DOMAINS_KEY] = original
    assert report.has_costs
    assert report.cost.total == Decimal("120.00")  # the other activity is out of scope
    # council hours in 2026: a 2 + b 2 = 4 → 120 / 4
    assert report.cost.per_participant_hour == Decimal("30.00")


def test_report_queries_do_not_grow_with_the_data(
    db: Any, chain: dict[str, Any], count_queries: Any, create_user: Any
) -> None:
    with count_queries() as few:
        build_report(ReportFilter(period=YEAR), today=TODAY, overdue_after_days=60)
    extra = create_user("resident")
    for n in range(40):
        record_participation(
            activity=chain["workshop"],
            user=extra,
            occurred_on=date(2026, 6, 1) + timedelta(days=n),
            hours=Decimal(1),
            event_type="session",
            event_id=n,
        )
        add_output(chain["workshop"], f"Ehdotus {n}", date(2026, 6, 1))
    db.session.commit()
    with count_queries() as many:
        report = build_report(ReportFilter(period=YEAR), today=TODAY, overdue_after_days=60)
    assert report.reach.participations == 45
    # one query per metric family, plus one per registered cost provider (fees)
    assert many.count == few.count <= 6


# --- dashboard, exports, activity page ---------------------------------------------------


def test_dashboard_shows_the_filtered_report(login_as: Any, chain: dict[str, Any]) -> None:
    viewer = login_as("decision_maker")
    url = f"/impact/?start=2026-01-01&end=2026-12-31&unit={chain['home_care'].id}"
    html = viewer.get(url).get_data(as_text=True)
    assert 'role="img"' in html and 'class="chart-summary"' in html
    assert "Kotihoito" in html
    # the text summary: 2 people took part 2 times in 1 activity
    assert "2 henkilöä osallistui 2 kertaa 1 toimintaan" in html
    assert "Ei kustannustietoja" in html
    assert f'href="/impact/activities/{chain["council"].id}"' in html  # most participation
    assert "Lisää penkkejä" in html  # latest outputs of the unit
    assert "Tavoittavuus ja vastaukset palvelualueittain" in html
    assert '<th scope="row">Ikäihmisten palvelut</th>' in html  # the area has a row
    assert "Ajanvaraus puhelimitse" not in html  # the clinic's
    assert viewer.get("/impact/?start=2026-12-31&end=2026-01-01").status_code == 400
    assert viewer.get("/impact/?start=nonsense").status_code == 400


def test_csv_print_and_pdf_exports(login_as: Any, chain: dict[str, Any]) -> None:
    viewer = login_as("coordinator")
    query = "start=2026-01-01&end=2026-12-31&step=quarter"
    csv_response = viewer.get(f"/impact/report.csv?{query}")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("period;activities;participations;participants")
    assert [line.split(";")[0] for line in lines[1:]] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2026-01-01..2026-12-31",
    ]
    q1 = lines[1].split(";")
    assert q1[1:4] == ["2", "4", "3"]  # council and panel; a, b, b, c; three people
    total = lines[-1].split(";")
    assert total[7:9] == ["5", "3"]  # outputs, responded
    printable = viewer.get(f"/impact/report/print?{query}").get_data(as_text=True)
    assert "print-report" in printable
    pdf = viewer.get(f"/impact/report.pdf?{query}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_activity_page(login_as: Any, chain: dict[str, Any]) -> None:
    viewer = login_as("decision_maker")
    html = viewer.get(f"/impact/activities/{chain['council'].id}").get_data(as_text=True)
    assert "Vanhusneuvosto" in html and "Esteetön sisäänkäynti" in html
    # all of the council's history: a in November 2025 and February 2026, b in February
    assert "2 henkilöä osallistui 3 kertaa 1 toimintaan" in html
    assert viewer.get("/impact/activities/987654").status_code == 404


# --- the response workflow ---------------------------------------------------------------


def test_outputs_awaiting_a_response_can_be_filtered(login_as: Any, chain: dict[str, Any]) -> None:
    viewer = login_as("decision_maker")
    html = viewer.get("/impact/outputs").get_data(as_text=True)
    assert "Sisäinen muistio" in html and "Kyltit selkokielellä" in html
    assert "Lisää penkkejä" not in html  # answered
    html = viewer.get(f"/impact/outputs?unit={chain['clinic'].id}").get_data(as_text=True)
    assert "Sisäinen muistio" in html and "Kyltit selkokielellä" not in html
    html = viewer.get("/impact/outputs?kind=workshop").get_data(as_text=True)
    assert "Kyltit selkokielellä" in html and "Sisäinen muistio" not in html
    html = viewer.get("/impact/outputs?state=all&q=penkk").get_data(as_text=True)
    assert "Lisää penkkejä" in html and "Kyltit" not in html
    # both awaiting outputs are months old by now
    html = viewer.get("/impact/outputs?age=30").get_data(as_text=True)
    assert "Sisäinen muistio" in html
    assert viewer.get("/impact/outputs?age=7").status_code == 400


def test_record_a_response_and_update_its_implementation(
    login_as: Any, chain: dict[str, Any], db: Any
) -> None:
    decider = login_as("decision_maker")
    output = chain["outputs"][4]
    url = f"/impact/outputs/{output.id}/respond"
    form = {
        "csrf_token": csrf_token(decider, url),
        "decision": "not_accepted",
        "reason": "",
        "decided_on": "2026-12-10",
        "decision_reference": "Hallitus 12.12.2026 § 45",
        "decision_link": "javascript:alert(1)",
        "responsible_person": "",
        "implementation_status": "not_started",
    }
    refused = decider.post(url, data=form)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Hallitus 12.12.2026 § 45" in text  # input kept
    assert "Anna perustelu" in text and "https://" in text
    assert db.session.get(Output, output.id).response is None

    form |= {"decision": "accepted", "decision_link": "https://pirha.fi/paatokset/45"}
    saved = decider.post(url, data=form)
    assert saved.status_code == 302
    db.session.expire_all()
    response = db.session.get(Output, output.id).response
    assert response.decision == "accepted" and response.decided_on == date(2026, 12, 10)

    form |= {
        "csrf_token": csrf_token(decider, url),
        "implementation_status": "done",
        "implemented_on": "2027-01-10",
    }
    assert decider.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Output, output.id).response.implementation_status == "done"
    entries = list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(output.id)))
    )
    assert len(entries) == 2
    assert entries[1].changes["fields"] == ["implementation_status", "implemented_on"]
    page = decider.get(f"/impact/outputs/{output.id}").get_data(as_text=True)
    assert "Muutokset vastaukseen" in page and decider.user.name in page


def test_only_decision_makers_respond(login_as: Any, chain: dict[str, Any]) -> None:
    coordinator = login_as("coordinator")
    output = chain["outputs"][4]
    assert coordinator.get(f"/impact/outputs/{output.id}").status_code == 200
    assert coordinator.get(f"/impact/outputs/{output.id}/respond").status_code == 403
    assert login_as("resident").get("/impact/").status_code == 403


# --- you said, we did ----------------------------------------------------------------------


def test_public_page_shows_published_outputs_without_personal_data(
    client: Any, chain: dict[str, Any]
) -> None:
    html = client.get("/impact/you-said-we-did").get_data(as_text=True)
    assert "Esteetön sisäänkäynti" in html and "Toteutetaan kevään aikana." in html
    assert "Sisäinen muistio" not in html  # not published
    assert "Kyltit selkokielellä" in html  # published, waiting for an answer
    for person in chain["people"]:
        assert person.name not in html and person.email not in html
    assert "Virtanen" not in html  # staff names stay internal too
    found = client.get("/impact/you-said-we-did?q=penkk").get_data(as_text=True)
    assert "Lisää penkkejä" in found and "Esteetön" not in found
    client.get("/language/sv")
    swedish = client.get("/impact/you-said-we-did?state=answered").get_data(as_text=True)
    assert "Du sa, vi gjorde" in swedish and "Kyltit" not in swedish


# --- personal data -------------------------------------------------------------------------


def test_own_data_export_lists_participations_and_erasure_keeps_the_counts(
    db: Any, chain: dict[str, Any]
) -> None:
    from portal.accounts.services import erase_user, export_own_data

    person = chain["people"][1]  # b: the council in February and the panel in March
    exported = export_own_data(user=person)["impact_participations"]
    assert [(p["activity"], p["date"], p["hours"]) for p in exported] == [
        ("Vanhusneuvosto", "2026-02-03", "2.00"),
        ("Asukasraati", "2026-03-10", "3.50"),
    ]
    erase_user(actor=person, user=person)
    db.session.commit()
    report = build_report(ReportFilter(period=YEAR), today=TODAY, overdue_after_days=60)
    assert report.reach.participants == 4  # still counted, now anonymously
    assert report.representativeness["gender"].unknown == 2  # b's gender went with b
