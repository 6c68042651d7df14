"""The monthly e-mail report to unit managers and the reminders about unanswered outputs."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import OrgUnit
from portal.impact.models import MonthlyReport
from portal.impact.services import send_monthly_report, send_response_reminders
from tests.conftest import body_html
from tests.conftest import body_text as raw_body_text
from tests.impact.conftest import add_output


def body_text(message: Any) -> str:
    return raw_body_text(message).replace("\r\n", "\n")


def _old_open_output(db: Any, chain: dict[str, Any]) -> None:
    # Produced on 1 November 2025 and never answered: open, and overdue at the end of
    # February 2026 (more than 60 days before 1 March 2026).
    add_output(chain["council"], "Kuljetuspalvelun joustot", date(2025, 11, 1))
    db.session.commit()


def test_monthly_report_has_the_month_figures_and_is_sent_once(
    db: Any, chain: dict[str, Any], runner: Any, mailbox: Any, create_user: Any
) -> None:
    _old_open_output(db, chain)
    # The service area's manager uses the portal in Swedish: their report is in Swedish.
    create_user("decision_maker", email="alue@example.fi", locale="sv")

    result = runner.invoke(args=["impact", "monthly-report", "--month", "2026-02"])
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output

    unit_mail = mailbox.wait_for("kotihoito@example.fi")[0]
    assert unit_mail["Subject"] == "Osallistuminen ja vastaukset 02/2026"
    text = body_text(unit_mail)
    assert "yksikössä Kotihoito ajalta 02/2026" in text
    # February 2026 in home care: the council met on 3 Feb; a and b attended (2 h each),
    # c was absent. a first took part in November 2025, so only b is new.
    assert "Toimintoja: 1\n" in text
    assert "Osallistumisia: 2\n" in text
    assert "Osallistujia: 2 (uusia: 1)" in text
    assert "Osallistumistunteja: 4\n" in text
    # Outputs: "Esteetön sisäänkäynti" (10 Feb) and "Lisää penkkejä" (20 Feb); their
    # responses came in March and April, so none was answered in February and both
    # were still open at its end, with the November output: three open, one overdue.
    assert "Uusia tuotoksia: 2\n" in text
    assert "Kirjattuja vastauksia: 0\n" in text
    assert "Vastausta odottavia tuotoksia kuun lopussa: 3\n" in text
    assert "Niistä yli 60 päivää odottaneita: 1\n" in text
    assert "Kuljetuspalvelun joustot" in text  # the longest waiting is listed
    assert "start=2026-02-01&end=2026-02-28&unit=" in text
    assert "Kuljetuspalvelun joustot" in body_html(unit_mail)

    area_mail = mailbox.wait_for("alue@example.fi")[0]
    assert area_mail["Subject"] == "Deltagande och svar 02/2026"
    assert "Deltaganden: 2\n" in body_text(area_mail)  # the clinic's panel began in March

    # The participants' personal data never goes into a manager's e-mail.
    for person in chain["people"]:
        assert person.name not in text and person.email not in text

    again = runner.invoke(args=["impact", "monthly-report", "--month", "2026-02"])
    assert again.exit_code == 0 and "0 sent" in again.output
    time.sleep(0.3)
    assert len(mailbox.messages) == 2
    assert db.session.scalar(select(func.count(MonthlyReport.id))) == 2


def test_monthly_report_rejects_a_malformed_month(runner: Any) -> None:
    result = runner.invoke(args=["impact", "monthly-report", "--month", "February"])
    assert result.exit_code != 0 and "YYYY-MM" in result.output


def test_an_empty_month_still_reports_zeros(db: Any, chain: dict[str, Any], mailbox: Any) -> None:
    sent = send_monthly_report(
        unit=chain["home_care"], month=date(2024, 6, 1), overdue_after_days=60
    )
    assert sent is True
    text = body_text(mailbox.wait_for("kotihoito@example.fi")[0])
    assert (
        "Osallistumisia: 0\n" in text and "Vastausta odottavia tuotoksia kuun lopussa: 0\n" in text
    )


def test_reminders_go_to_the_unit_manager_once(
    db: Any, chain: dict[str, Any], mailbox: Any, create_user: Any, runner: Any
) -> None:
    decider = create_user("decision_maker", email="paattaja@example.fi")
    # On 23 November 2026 "Sisäinen muistio" (1 September, the clinic's panel) has waited
    # 83 days; the clinic has no manager, so its service area's manager is reminded.
    # "Kyltit selkokielellä" (15 November) has waited only 8 days.
    count = send_response_reminders(now=datetime(2026, 11, 23, tzinfo=UTC), overdue_after_days=60)
    assert count == 1
    reminder = mailbox.wait_for("alue@example.fi")[0]
    assert "Sisäinen muistio" in body_text(reminder)
    assert "Kyltit" not in body_text(reminder)
    assert (
        send_response_reminders(now=datetime(2026, 11, 24, tzinfo=UTC), overdue_after_days=60) == 0
    )

    # In February the workshop's output is overdue too; the workshop belongs to no unit,
    # so every decision maker is reminded.
    later = send_response_reminders(now=datetime(2027, 2, 1, tzinfo=UTC), overdue_after_days=60)
    assert later == 1
    assert "Kyltit selkokielellä" in body_text(mailbox.wait_for(decider.email)[0])
    result = runner.invoke(args=["impact", "send-reminders"])
    assert result.exit_code == 0 and "Reminded about 0 outputs" in result.output


def test_parallel_monthly_runs_send_one_report(
    app: Any, backend: str, db: Any, chain: dict[str, Any], mailbox: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL")
    unit_id = chain["home_care"].id
    barrier = threading.Barrier(3)
    results: list[bool] = []

    def run() -> None:
        with app.app_context():
            unit = db.session.get(OrgUnit, unit_id)
            barrier.wait()
            results.append(
                send_monthly_report(unit=unit, month=date(2026, 2, 1), overdue_after_days=60)
            )

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, False, True]
    mailbox.wait_for("kotihoito@example.fi")
    time.sleep(0.3)
    assert len(mailbox.to("kotihoito@example.fi")) == 1


def test_monthly_reports_and_reminders_run_as_periodic_tasks(app: Any) -> None:
    from portal.core.domains import periodic_tasks

    scheduled = {task.name: task for task in periodic_tasks(app)}
    monthly = scheduled["impact.monthly_reports"]
    assert monthly.schedule(datetime(2027, 3, 1, 5, 0))
    assert not monthly.schedule(datetime(2027, 3, 2, 5, 0))
    daily = scheduled["impact.response_reminders"]
    assert daily.schedule(datetime(2027, 3, 2, 6, 10)) and daily.schedule(
        datetime(2027, 3, 3, 6, 10)
    )
