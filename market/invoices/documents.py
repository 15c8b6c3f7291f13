"""An invoice's PDF, drawn by reportlab from what the invoice row holds.

Invoices are written in French (the language French law requires of them), whatever the
language of the person who triggers their issue. The document is made once, at issue; its
bytes are stored and hashed, never drawn again.

What an archival PDF (PDF/A, which Factur-X builds on) asks of the drawing is done here: every
font embedded (Bitstream Vera, shipped with reportlab, instead of the 14 standard fonts that
are never embedded) and an sRGB output intent (the profile made by Pillow's LittleCMS), so
that the file shows the same wherever and whenever it is opened.
"""

import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import ImageCms
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from market.money import format_cents
from market.timeutil import to_hub_time

# One embedded font: each one adds some 18 kB to every invoice kept for ten years.
FONT = "Vera"
TITLES = {"sale": "Facture", "credit_note": "Avoir", "commission": "Facture"}


def rate_text(rate_bp: int) -> str:
    return f"{Decimal(rate_bp) / 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def party_lines(party: dict) -> list[str]:
    lines = [party["name"]]
    if party.get("address"):
        lines += [party["address"], f"{party.get('postcode', '')} {party.get('town', '')}"]
    if party.get("siret"):
        lines.append(
            _("SIREN %(siren)s — SIRET %(siret)s", siren=party["siret"][:9], siret=party["siret"])
        )
    elif party.get("siren"):
        lines.append(_("SIREN %(siren)s", siren=party["siren"]))
    if party.get("vat_number"):
        lines.append(_("Intra-community VAT number %(number)s", number=party["vat_number"]))
    return lines


@cache
def embedded_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)


def with_output_intent(document: bytes) -> bytes:
    """The PDF with an sRGB output intent: how its colours are meant to be seen."""
    writer = PdfWriter(clone_from=io.BytesIO(document))
    profile = DecodedStreamObject()
    profile.set_data(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            # A stream must be an indirect object: pypdf adds one only through this method,
            # as the factur-x library does for its attachments.
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([intent])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf(reference: str, kind: str, issued_at: datetime, content: dict) -> bytes:
    embedded_fonts()
    with force_locale("fr"):
        return with_output_intent(draw(reference, kind, issued_at, content))


def draw(reference: str, kind: str, issued_at: datetime, content: dict) -> bytes:
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = FONT
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{TITLES[kind]} {reference}",
        author=content["seller"]["name"],
        initialFontName=FONT,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    story: list[Flowable] = [
        Paragraph(escape(f"{TITLES[kind]} n° {reference}"), styles["Title"]),
        Paragraph(
            escape(_("Date of issue: %(date)s", date=to_hub_time(issued_at).strftime("%d/%m/%Y"))),
            styles["Normal"],
        ),
    ]
    if content.get("credited"):
        credited = content["credited"]
        if content.get("partial"):
            said = _(
                "Partial credit note on invoice n° %(reference)s of %(date)s",
                reference=credited["reference"],
                date=credited["date"],
            )
        else:
            said = _(
                "Credit note cancelling invoice n° %(reference)s of %(date)s",
                reference=credited["reference"],
                date=credited["date"],
            )
        story.append(Paragraph(escape(said), styles["Normal"]))
    if content.get("reason"):
        story.append(
            Paragraph(escape(_("Reason: %(reason)s", reason=content["reason"])), styles["Normal"])
        )
    if content.get("about"):
        story.append(Paragraph(escape(content["about"]), styles["Normal"]))
    parties = Table(
        [
            [
                Paragraph(
                    escape(_("Seller").upper())
                    + "<br/>"
                    + "<br/>".join(escape(line) for line in party_lines(content["seller"])),
                    styles["Normal"],
                ),
                Paragraph(
                    escape(_("Customer").upper())
                    + "<br/>"
                    + "<br/>".join(escape(line) for line in party_lines(content["buyer"])),
                    styles["Normal"],
                ),
            ]
        ],
        colWidths=[document.width / 2] * 2,
    )
    parties.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story += [Spacer(1, 6 * mm), parties, Spacer(1, 6 * mm)]
    header = [
        _("Description"),
        _("Quantity"),
        _("Unit"),
        _("Unit price excl. VAT"),
        _("VAT"),
        _("Total excl. VAT"),
    ]
    rows = [header] + [
        [
            Paragraph(escape(line["description"]), styles["Normal"]),
            line["quantity"].replace(".", ","),
            line["unit"],
            line["unit_price_excl_vat"].replace(".", ",") + " €",
            rate_text(line["vat_rate"]),
            format_cents(line["excl"]),
        ]
        for line in content["lines"]
    ]
    table = Table(
        rows,
        colWidths=[document.width * share for share in (0.34, 0.11, 0.1, 0.19, 0.09, 0.17)],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    summary = [[_("VAT rate"), _("Excl. VAT"), _("VAT"), _("Incl. VAT")]] + [
        [
            rate_text(row["rate"]),
            format_cents(row["excl"]),
            format_cents(row["vat"]),
            format_cents(row["incl"]),
        ]
        for row in content["vat"]
    ]
    summary.append(
        [
            _("Total"),
            format_cents(content["totals"]["excl"]),
            format_cents(content["totals"]["vat"]),
            format_cents(content["totals"]["incl"]),
        ]
    )
    totals = Table(summary, colWidths=[document.width / 4] * 4)
    totals.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black),
            ]
        )
    )
    story += [totals, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(mention), styles["Normal"]) for mention in content["mentions"]]
    document.build(story)
    return out.getvalue()
