"""Posters with a QR code to a unit's feedback form, as SVG and PDF (segno, fpdf2)."""

from __future__ import annotations

from xml.sax.saxutils import escape

import segno
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.models import OrgUnit

QUIET_ZONE = 4


def _texts(unit: OrgUnit) -> list[tuple[str, str, str]]:
    """(language, heading, call to action) in Finnish and Swedish: the county is bilingual."""
    texts = []
    for language in ("fi", "sv"):
        with force_locale(language):
            texts.append(
                (
                    language,
                    _("Tell us how we did"),
                    _("Scan the code or open the address below. Anonymous, takes two minutes."),
                )
            )
    return texts


def poster_svg(unit: OrgUnit, link: str) -> str:
    """An A4-proportioned SVG poster: unit name, fi/sv texts, the QR code and the link."""
    qr = segno.make(link, error="m")
    size = qr.symbol_size(scale=1, border=QUIET_ZONE)[0]
    module = 360 / size
    cells = []
    for y, row in enumerate(qr.matrix_iter(scale=1, border=QUIET_ZONE)):
        for x, dark in enumerate(row):
            if dark:
                cells.append(
                    f'<rect x="{117 + x * module:.2f}" y="{330 + y * module:.2f}" '
                    f'width="{module:.2f}" height="{module:.2f}"/>'
                )
    lines = []
    y = 110
    for language, heading, action in _texts(unit):
        lines.append(
            f'<text x="297" y="{y}" lang="{language}" font-size="34" font-weight="bold" '
            f'text-anchor="middle">{escape(heading)}</text>'
        )
        lines.append(
            f'<text x="297" y="{y + 40}" lang="{language}" font-size="15" '
            f'text-anchor="middle">{escape(action)}</text>'
        )
        y += 100
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 595 842" width="595" height="842" '
        f'role="img" aria-label="{escape(unit.name_fi)}">'
        '<rect width="595" height="842" fill="#fff"/>'
        f'<text x="297" y="60" font-size="22" text-anchor="middle">{escape(unit.name("fi"))}'
        "</text>" + "".join(lines) + '<g fill="#000">' + "".join(cells) + "</g>"
        f'<text x="297" y="760" font-size="16" text-anchor="middle">{escape(link)}</text>'
        "</svg>"
    )


def _latin1(text: str) -> str:
    return (
        text.replace("\u2013", "-")
        .replace("\u2019", "'")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def poster_pdf(unit: OrgUnit, link: str) -> bytes:
    """The same poster as an A4 PDF; the QR modules are drawn as filled squares."""
    from fpdf import FPDF  # slow to import; only poster downloads need it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_title(_latin1(unit.name("fi")))
    pdf.set_font("Helvetica", size=18)
    pdf.set_xy(10, 15)
    pdf.cell(190, 10, _latin1(unit.name("fi")), align="C")
    y = 35
    for _language, heading, action in _texts(unit):
        pdf.set_font("Helvetica", style="B", size=26)
        pdf.set_xy(10, y)
        pdf.cell(190, 12, _latin1(heading), align="C")
        pdf.set_font("Helvetica", size=12)
        pdf.set_xy(20, y + 14)
        pdf.multi_cell(170, 6, _latin1(action), align="C")
        y += 35
    qr = segno.make(link, error="m")
    size = qr.symbol_size(scale=1, border=QUIET_ZONE)[0]
    module = 120 / size
    left, top = 45, 115
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(qr.matrix_iter(scale=1, border=QUIET_ZONE)):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    left + col_index * module, top + row_index * module, module, module, style="F"
                )
    pdf.set_font("Helvetica", size=12)
    pdf.set_xy(10, 250)
    pdf.cell(190, 8, _latin1(link), align="C")
    return bytes(pdf.output())
