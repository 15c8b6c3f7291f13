"""An invoice's PDF, drawn by reportlab from what the invoice row holds.

Invoices are written in French (the language French law requires of them), whatever the
language of the person who triggers their issue. The document is made once, at issue; its
bytes are stored and hashed, never drawn again.
"""

import io
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from market.money import format_cents
from market.timeutil import to_hub_time

TITLES = {"sale": "Facture", "credit_note": "Avoir", "commission": "Facture"}


def rate_text(rate_bp: int) -> str:
    return f"{Decimal(rate_bp) / 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def party_lines(party: dict) -> list[str]:
    lines = [party["name"]]
    if party.get("address"):
        lines += [party["address"], f"{party.get('postcode', '')} {party.get('town', '')}"]
    if party.get("siret"):
        lines.append(_("SIREN %(siren)s — SIRET %(siret)s", siren=party["siret"][:9],
                       siret=party["siret"]))
    elif party.get("siren"):
        lines.append(_("SIREN %(siren)s", siren=party["siren"]))
    if party.get("vat_number"):
        lines.append(_("Intra-community VAT number %(number)s", number=party["vat_number"]))
    return lines


def pdf(reference: str, kind: str, issued_at: datetime, content: dict) -> bytes:
    with force_locale("fr"):
        return draw(reference, kind, issued_at, content)


def draw(reference: str, kind: str, issued_at: datetime, content: dict) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"{TITLES[kind]} {reference}",
                                 author=content["seller"]["name"], leftMargin=15 * mm,
                                 rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    story = [Paragraph(escape(f"{TITLES[kind]} n° {reference}"), styles["Title"]),
             Paragraph(escape(_("Date of issue: %(date)s",
                                date=to_hub_time(issued_at).strftime("%d/%m/%Y"))),
                       styles["Normal"])]
    if content.get("credited"):
        story.append(Paragraph(escape(_(
            "Credit note cancelling invoice n° %(reference)s of %(date)s",
            reference=content["credited"]["reference"], date=content["credited"]["date"])),
            styles["Normal"]))
    if content.get("about"):
        story.append(Paragraph(escape(content["about"]), styles["Normal"]))
    parties = Table([[Paragraph("<b>" + escape(_("Seller")) + "</b><br/>" + "<br/>".join(
        escape(line) for line in party_lines(content["seller"])), styles["Normal"]),
        Paragraph("<b>" + escape(_("Customer")) + "</b><br/>" + "<br/>".join(
            escape(line) for line in party_lines(content["buyer"])), styles["Normal"])]],
        colWidths=[document.width / 2] * 2)
    story += [Spacer(1, 6 * mm), parties, Spacer(1, 6 * mm)]
    header = [_("Description"), _("Quantity"), _("Unit"), _("Unit price excl. VAT"),
              _("VAT"), _("Total excl. VAT")]
    rows = [header] + [[Paragraph(escape(line["description"]), styles["Normal"]),
                        line["quantity"].replace(".", ","), line["unit"],
                        line["unit_price_excl_vat"].replace(".", ",") + " €",
                        rate_text(line["vat_rate"]), format_cents(line["excl"])]
                       for line in content["lines"]]
    table = Table(rows, colWidths=[document.width * share for share in
                                   (0.36, 0.12, 0.1, 0.16, 0.1, 0.16)], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 4 * mm)]
    summary = [[_("VAT rate"), _("Excl. VAT"), _("VAT"), _("Incl. VAT")]] + [
        [rate_text(row["rate"]), format_cents(row["excl"]), format_cents(row["vat"]),
         format_cents(row["incl"])] for row in content["vat"]]
    summary.append([_("Total"), format_cents(content["totals"]["excl"]),
                    format_cents(content["totals"]["vat"]),
                    format_cents(content["totals"]["incl"])])
    totals = Table(summary, colWidths=[document.width / 4] * 4)
    totals.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")]))
    story += [totals, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(mention), styles["Normal"]) for mention in content["mentions"]]
    document.build(story)
    return out.getvalue()
