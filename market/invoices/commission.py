"""The hub's monthly commission invoices: one per producer, at 20 % VAT, in Factur-X.

A producer's commission for a month is the commission on the lines of its sales invoices
issued that month, less that of the credit notes issued that month, one line per cycle. The
amounts are the ledger's own split of each line (market/ledger/commission.py), carried on the
sales invoices, so the month's commission invoices add up to what the ledger credited to the
hub's commission and VAT accounts for the orders invoiced.

The document is a Factur-X PDF (the CII XML of the EN 16931 profile embedded in a PDF/A-3)
made by the factur-x library (Akretion's, maintained, used by Odoo): it writes the XML from
the EN 16931 business terms (BT-…) and checks it against the profile's XSD. Numbered in the
hub's own series (COM-…); issuing a month again issues nothing new.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from facturx import generate_cii_xml, generate_from_binary
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.cycles.models import OrderCycle
from market.extensions import db
from market.invoices import amounts, documents
from market.invoices.issuing import (
    HUB_SERIES,
    InvoicingRefused,
    hub_party,
    producer_party,
    record,
)
from market.invoices.models import Invoice, InvoiceKind, InvoiceSeries
from market.invoices.reports import invoices_of_month, month_bounds
from market.invoices.services import tax_profile
from market.rowlock import lock_row
from market.timeutil import to_hub_time

FACTURX_LEVEL = "en16931"


def euros(cents: int) -> str:
    return str(Decimal(cents) / 100)


def percent(rate_bp: int) -> str:
    return f"{Decimal(rate_bp) / 100:.2f}"


def party(details: dict) -> dict:
    """A seller's or buyer's block: name, SIREN (scheme 0002), VAT number, postal address."""
    block = {
        "name": details["name"],
        "legal_identifier": (details.get("siret") or details["siren"])[:9],
        "legal_identifier_schemeid": "0002",
        "addr_l1": details["address"],
        "city": details["town"],
        "postcode": details["postcode"],
        "country_code": "FR",
    }
    if details.get("vat_number"):
        block["vat_identifier"] = details["vat_number"]
    return block


def cii_xml(reference: str, issued_at: datetime, content: dict) -> bytes:
    """The invoice's CII XML (EN 16931 profile), checked against its XSD by the library."""
    totals = content["totals"]
    data = {
        "BT-1": reference,
        "BT-2": issued_at.date(),
        "BT-3": "380",
        "BT-5": "EUR",
        # The service is the month's: its period, and its last day as the delivery date.
        "BT-72": content["period"]["last"],
        "BT-73": content["period"]["first"],
        "BT-74": content["period"]["last"],
        "BT-20": content["payment_terms"],
        "BG-4": party(content["seller"]),
        "BG-7": party(content["buyer"]),
        "BG-1": [{"BT-22": mention} for mention in content["mentions"]],
        "BG-23": [
            {
                "BT-116": euros(row["excl"]),
                "BT-117": euros(row["vat"]),
                "BT-118": "S",
                "BT-119": percent(row["rate"]),
            }
            for row in content["vat"]
        ],
        "BT-106": euros(totals["excl"]),
        "BT-109": euros(totals["excl"]),
        "BT-110": euros(totals["vat"]),
        "BT-112": euros(totals["incl"]),
        "BT-115": euros(totals["incl"]),
        # A net price is never negative (BR-27): a cycle's net refund is a quantity of -1.
        "BG-25": [
            {
                "BT-126": str(number),
                "BT-153": line["description"],
                "BT-129": "-1" if line["excl"] < 0 else "1",
                "BT-130": "C62",
                "BT-146": euros(abs(line["excl"])),
                "BT-151": "S",
                "BT-152": percent(line["vat_rate"]),
                "BT-131": euros(line["excl"]),
            }
            for number, line in enumerate(content["lines"], start=1)
        ],
    }
    return generate_cii_xml(data, level=FACTURX_LEVEL, check_xsd=True, check_schematron=False)


def facturx_pdf(reference: str, kind: str, issued_at: datetime, content: dict) -> bytes:
    """The readable PDF with its XML embedded: a Factur-X (PDF/A-3) file."""
    return generate_from_binary(
        documents.pdf(reference, kind, issued_at, content),
        cii_xml(reference, issued_at, content),
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=True,
        lang="fr-FR",
    )


def issue_month(month: str, now: datetime) -> list[Invoice]:
    """One commission invoice per producer with commission in this (finished) month."""
    start, end = month_bounds(month)
    if now < end:
        raise InvoicingRefused(
            _l("%(month)s is not over: its commission is invoiced once it is.", month=month)
        )
    # The hub's series row (written by migration 0016) serialises two runs for a month.
    series = db.session.scalar(select(InvoiceSeries).where(InvoiceSeries.key == HUB_SERIES))
    if series is not None:
        lock_row(InvoiceSeries, series.id)
    done = set(
        db.session.scalars(
            select(Invoice.producer_id).where(
                Invoice.kind == InvoiceKind.COMMISSION.value, Invoice.month == month
            )
        )
    )
    by_producer: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for invoice in invoices_of_month(
        month, kinds=(InvoiceKind.SALE.value, InvoiceKind.CREDIT_NOTE.value)
    ):
        cycle_id = invoice.cycle_id
        if cycle_id is None:  # never: a sale and its credit notes name their cycle
            continue
        for line in invoice.content["lines"]:
            commission = by_producer[invoice.producer_id][cycle_id]
            commission[0] += invoice.sign * line["commission_excl"]
            commission[1] += invoice.sign * line["commission_vat"]
    cycles = {
        cycle.id: cycle
        for cycle in db.session.scalars(
            select(OrderCycle).where(
                OrderCycle.id.in_(
                    {cycle_id for cycles in by_producer.values() for cycle_id in cycles}
                )
            )
        )
    }
    issued = []
    with force_locale("fr"):
        hub = hub_party()
        for producer_id, by_cycle in sorted(by_producer.items()):
            if producer_id in done or sum(excl for excl, _vat in by_cycle.values()) <= 0:
                continue
            lines = [
                amounts.commission_line(
                    _("Commission on the sales of %(cycle)s", cycle=cycles[cycle_id].name),
                    excl,
                    vat,
                )
                for cycle_id, (excl, vat) in sorted(by_cycle.items())
            ]
            content = {
                "seller": hub,
                "buyer": producer_party(tax_profile(producer_id)),
                "about": _(
                    "Commission of %(month)s on the sales made through the market", month=month
                ),
                "period": {
                    "first": to_hub_time(start).date().isoformat(),
                    "last": (to_hub_time(end).date() - timedelta(days=1)).isoformat(),
                },
                "payment_terms": _("Deducted from the sales paid back to the producer."),
                "mentions": [
                    _("Deducted from the sales paid back to the producer."),
                    _(
                        "Pénalités de retard : trois fois le taux d'intérêt légal. "
                        "Indemnité forfaitaire pour frais de recouvrement : 40 € (art. "
                        "L441-10 du Code de commerce). Pas d'escompte pour paiement "
                        "anticipé."
                    ),
                ],
            }
            issued.append(
                record(
                    Invoice(
                        kind=InvoiceKind.COMMISSION.value,
                        series=HUB_SERIES,
                        issued_at=now,
                        producer_id=producer_id,
                        month=month,
                        vat_regime="normal",
                        content=content,
                        ledger_seqs=[],
                    ),
                    lines,
                    document_maker=facturx_pdf,
                )
            )
    return issued
