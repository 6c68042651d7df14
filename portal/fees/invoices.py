"""The PDF invoice of an organisation payee: seller, buyer, lines, reference and barcode.

Rendered with fpdf2's built-in Helvetica so the text stays searchable (and testable) in the
file; characters outside Latin-1 are replaced, amounts are written with ``EUR``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.core.identifiers import format_iban, parse_iban
from portal.fees.references import format_reference, virtual_barcode

LINE_LABELS = {
    "MEETING_FEE": "Kokouspalkkio / Mötesarvode",
    "HOURLY_FEE": "Tuntipalkkio / Timarvode",
    "PREPARATION": "Valmistelupalkkio / Förberedelsearvode",
    "CHAIR_EXTRA": "Puheenjohtajan lisä / Ordförandetillägg",
    "KM_ALLOWANCE": "Kilometrikorvaus / Kilometerersättning",
    "TICKETS": "Matkaliput / Biljetter",
    "DAILY_ALLOWANCE_PART": "Osapäiväraha / Partiellt dagtraktamente",
    "DAILY_ALLOWANCE_FULL": "Kokopäiväraha / Heldagtraktamente",
}


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",") + " EUR"


def render_invoice_pdf(*, invoice: Any, claim: Any, details: Any, buyer: str) -> bytes:
    """The invoice as PDF bytes (uncompressed, so references can be found in the file)."""
    # fpdf2 takes a second to import; only invoice downloads need it.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.compress = False
    pdf.set_title(f"Lasku {invoice.number}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "LASKU / FAKTURA", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    header = [
        ("Laskun numero / Fakturanummer", invoice.number),
        ("Laskun pvm / Fakturadatum", invoice.invoice_date.strftime("%d.%m.%Y")),
        ("Erapaiva / Forfallodag", invoice.due_date.strftime("%d.%m.%Y")),
        ("Viitenumero / Referensnummer", format_reference(invoice.reference)),
        ("Kustannuspaikka / Kostnadsstalle", claim.cost_centre),
        ("Laskuttaja / Fakturerare", details.organisation_name),
        ("Y-tunnus / FO-nummer", details.business_id),
        ("Laskutusosoite / Faktureringsadress", details.billing_address.replace("\n", ", ")),
        ("Maksaja / Betalare", buyer),
        ("Toiminta / Verksamhet", claim.activity.title),
        ("Kausi / Period", claim.month.strftime("%m/%Y")),
    ]
    for label, value in header:
        pdf.cell(75, 6, _latin(label))
        pdf.multi_cell(0, 6, _latin(str(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    widths = (25, 80, 25, 25, 30)
    for width, title in zip(
        widths, ("Pvm", "Rivi / Rad", "Maara", "A-hinta", "Summa"), strict=True
    ):
        pdf.cell(width, 7, title, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", size=10)
    for line in claim.lines:
        cells = (
            line.work_date.strftime("%d.%m.%Y"),
            LINE_LABELS.get(line.code, line.code),
            f"{line.quantity:.2f}".replace(".", ","),
            _amount(line.unit_price),
            _amount(line.amount),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 6, _latin(text))
        pdf.ln()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(sum(widths[:-1]), 8, "Yhteensa / Totalt", border="T")
    pdf.cell(widths[-1], 8, _amount(invoice.amount), border="T", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", size=10)
    account = parse_iban(details.iban)
    payment = [
        ("Saajan tilinumero / Mottagarens konto", format_iban(details.iban)),
        ("BIC", account.bic or ""),
        ("Viitenumero / Referensnummer", format_reference(invoice.reference)),
        ("Summa / Belopp", _amount(invoice.amount)),
    ]
    for label, value in payment:
        pdf.cell(75, 6, _latin(label))
        pdf.cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    if account.country_code == "FI":
        barcode = virtual_barcode(
            iban=details.iban,
            reference=invoice.reference,
            amount=invoice.amount,
            due_date=invoice.due_date,
        )
        pdf.cell(75, 6, "Virtuaaliviivakoodi / Virtuell streckkod")
        pdf.cell(0, 6, barcode, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
