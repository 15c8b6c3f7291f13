"""`invoices verify`: every series without a gap, every document and content as issued, every
sale invoice agreeing with its order's ledger postings.

The triggers keep rows from changing; this check finds what a change made with the triggers
off (or a restored, edited copy) would leave: a number missing or out of order in a series,
a series whose counter is ahead of its invoices (an invoice deleted at its end), a PDF or an
amount that no longer hashes as it did, and an order whose invoices in force no longer add up
to what the ledger says the household paid for each producer's goods.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from market.extensions import db
from market.invoices.issuing import content_sha256, sale_postings
from market.invoices.models import Invoice, InvoiceKind, InvoiceSeries
from market.ledger.commission import split_line


@dataclass
class Verdict:
    count: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def in_force_by_order(invoices: list[Invoice]) -> dict[int, dict[int, int]]:
    """Per order and producer: the sum of its sale invoices less their credit notes."""
    amounts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for invoice in invoices:
        if invoice.order_id is not None:
            amounts[invoice.order_id][invoice.producer_id] += (
                invoice.sign * invoice.total_incl_vat_cents
            )
    return amounts


def shares_by_order(invoices: list[Invoice], commission_of) -> dict[int, dict[int, int]]:
    shares: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for invoice in invoices:
        if invoice.order_id is not None:
            shares[invoice.order_id][invoice.producer_id] += invoice.sign * sum(
                commission_of(line["incl"]) for line in invoice.content["lines"]
            )
    return shares


def verify(commission_bp: int) -> Verdict:
    verdict = Verdict()
    invoices = db.session.scalars(select(Invoice).order_by(Invoice.series, Invoice.number)).all()
    verdict.count = len(invoices)
    last: dict[str, Invoice] = {}
    for invoice in invoices:
        previous = last.get(invoice.series)
        expected = previous.number + 1 if previous else 1
        if invoice.number != expected:
            verdict.problems.append(
                f"series {invoice.series}: number {expected} is missing before {invoice.reference}"
            )
        elif previous is not None and invoice.issued_at < previous.issued_at:
            verdict.problems.append(
                f"series {invoice.series}: {invoice.reference} is dated before {previous.reference}"
            )
        last[invoice.series] = invoice
        if hashlib.sha256(invoice.document).hexdigest() != invoice.document_sha256:
            verdict.problems.append(f"{invoice.reference}: its PDF is not the one issued")
        elif content_sha256(invoice) != invoice.content_sha256:
            verdict.problems.append(f"{invoice.reference}: what it states was changed")
        lines_total = sum(line["incl"] for line in invoice.content.get("lines", []))
        if lines_total != invoice.total_incl_vat_cents:
            verdict.problems.append(f"{invoice.reference}: its lines do not add up to its total")
    for series in db.session.scalars(select(InvoiceSeries)):
        highest = last[series.key].number if series.key in last else 0
        if series.last_number != highest:
            verdict.problems.append(
                f"series {series.key}: {series.last_number} numbers given, {highest} invoices found"
            )
    sales = [
        invoice
        for invoice in invoices
        if invoice.kind in (InvoiceKind.SALE, InvoiceKind.CREDIT_NOTE)
    ]
    invoiced = in_force_by_order(sales)
    shares = shares_by_order(sales, lambda amount: split_line(amount, commission_bp)[0])
    postings = sale_postings(list(invoiced))
    for order_id, by_producer in sorted(invoiced.items()):
        ledger = postings[order_id]
        for producer_id, amount in sorted(by_producer.items()):
            if amount and shares[order_id][producer_id] != ledger.producers.get(producer_id, 0):
                verdict.problems.append(
                    f"order {order_id}, producer {producer_id}: invoiced "
                    f"{shares[order_id][producer_id]} cents to the producer, the ledger says "
                    f"{ledger.producers.get(producer_id, 0)}"
                )
    return verdict
