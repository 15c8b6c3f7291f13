"""For the accountants: the month's invoice register (CSV) and the VAT summaries.

A month is the hub's calendar month in which invoices were issued. Credit notes count
negatively. The register lists every invoice and credit note with its amounts per VAT rate
and the ledger transactions (seq) whose money it states.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.errors import DomainError
from market.extensions import db
from market.invoices.documents import rate_text
from market.invoices.models import KIND_LABELS, Invoice, InvoiceKind
from market.money import decimal_text
from market.spreadsheets import csv_row
from market.timeutil import from_hub_wall_clock, to_hub_time


class MonthInvalid(DomainError):
    pass


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, in the hub's zone, as UTC."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise MonthInvalid(_l("Choose a month as YYYY-MM.")) from None
    following = (first + timedelta(days=31)).replace(day=1)
    return from_hub_wall_clock(first, time()), from_hub_wall_clock(following, time())


def invoices_of_month(
    month: str, *, producer_id: int | None = None, kinds: tuple[str, ...] | None = None
) -> list[Invoice]:
    start, end = month_bounds(month)
    query = select(Invoice).where(Invoice.issued_at >= start, Invoice.issued_at < end)
    if producer_id is not None:
        query = query.where(Invoice.producer_id == producer_id)
    if kinds is not None:
        query = query.where(Invoice.kind.in_(kinds))
    return list(db.session.scalars(query.order_by(Invoice.series, Invoice.number)))


REGISTER_RATES = (0, 550, 1000, 2000)


def register_csv(month: str) -> str:
    """The register as CSV text (semicolons, decimal commas, a byte-order mark, as the
    exports write it for French spreadsheets)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            str(_l("Number")),
            str(_l("Date")),
            str(_l("Kind")),
            str(_l("Issuer")),
            str(_l("Customer")),
            str(_l("Excl. VAT")),
            *(str(_l("VAT %(rate)s", rate=rate_text(rate))) for rate in REGISTER_RATES[1:]),
            str(_l("Incl. VAT")),
            str(_l("Credits invoice")),
            str(_l("Ledger transactions")),
        ]
    )
    for invoice in invoices_of_month(month):
        vat = {row["rate"]: row["vat"] for row in invoice.content["vat"]}
        sign = invoice.sign
        writer.writerow(
            csv_row(
                [
                    invoice.reference,
                    to_hub_time(invoice.issued_at).date().isoformat(),
                    str(KIND_LABELS[invoice.kind]),
                    invoice.content["seller"]["name"],
                    invoice.content["buyer"]["name"],
                    decimal_text(sign * invoice.total_excl_vat_cents),
                    *(decimal_text(sign * vat.get(rate, 0)) for rate in REGISTER_RATES[1:]),
                    decimal_text(sign * invoice.total_incl_vat_cents),
                    invoice.content.get("credited", {}).get("reference", ""),
                    " ".join(str(seq) for seq in invoice.ledger_seqs),
                ]
            )
        )
    return out.getvalue()


@dataclass
class VatSummary:
    """Sales by VAT rate and the VAT collected, net of credit notes."""

    by_rate: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, invoice: Invoice) -> None:
        for row in invoice.content["vat"]:
            self.by_rate[row["rate"]][0] += invoice.sign * row["excl"]
            self.by_rate[row["rate"]][1] += invoice.sign * row["vat"]

    @property
    def rows(self) -> list[tuple[int, int, int]]:
        return [(rate, excl, vat) for rate, (excl, vat) in sorted(self.by_rate.items())]

    @property
    def vat_cents(self) -> int:
        return sum(vat for _, vat in self.by_rate.values())

    @property
    def excl_cents(self) -> int:
        return sum(excl for excl, _ in self.by_rate.values())


def producer_vat_summary(month: str, producer_id: int) -> VatSummary:
    summary = VatSummary()
    for invoice in invoices_of_month(
        month,
        producer_id=producer_id,
        kinds=(InvoiceKind.SALE.value, InvoiceKind.CREDIT_NOTE.value),
    ):
        summary.add(invoice)
    return summary


def vat_by_producer(month: str) -> dict[int, VatSummary]:
    """Every producer's summary of the month, for the coordinator: one query."""
    summaries: dict[int, VatSummary] = defaultdict(VatSummary)
    for invoice in invoices_of_month(
        month, kinds=(InvoiceKind.SALE.value, InvoiceKind.CREDIT_NOTE.value)
    ):
        summaries[invoice.producer_id].add(invoice)
    return dict(summaries)


def hub_commission_summary(month: str) -> VatSummary:
    """The hub's own VAT: what its commission invoices for the month's sales collected
    (issued once the month is over)."""
    month_bounds(month)
    summary = VatSummary()
    for invoice in db.session.scalars(
        select(Invoice).where(Invoice.kind == InvoiceKind.COMMISSION.value, Invoice.month == month)
    ):
        summary.add(invoice)
    return summary
