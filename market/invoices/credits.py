"""A partial credit note the coordinator issues on a sales invoice: some lines, some of their
quantity or amount, and why (a product that disappointed, a price agreed afterwards).

The household is credited what the note states, in the same transaction: the ledger posts the
mirror of selling those amounts (each line split by the ledger's own function, so the producer's
share, the hub's commission and its VAT move back exactly as the note's lines say). A note can
never take more than what is left of a line, nor of the invoice: the producer's row is locked
(the lock that serialises its series), then what earlier notes took is read again.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.catalog.models import Producer
from market.errors import DomainError
from market.extensions import db
from market.invoices import issuing
from market.invoices.models import Invoice, InvoiceKind
from market.ledger.builders import post_fulfilment_adjusted
from market.ledger.commission import split_line
from market.orders.models import Order
from market.pricing import vat_included
from market.rowlock import lock_row


class CreditRefused(DomainError):
    status = 409


class CreditInvalid(DomainError):
    status = 400


@dataclass
class Wanted:
    """What the coordinator asks to credit on one line: a quantity, an amount, or both."""

    quantity: Decimal | None = None
    amount_cents: int | None = None


def is_partial(invoice: Invoice) -> bool:
    return invoice.is_credit_note and bool(invoice.content.get("partial"))


def notes_on(invoice: Invoice) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.credited_invoice_id == invoice.id)
            .order_by(Invoice.id)
            .execution_options(populate_existing=True)
        )
    )


def remaining_by_line(invoice: Invoice, notes: list[Invoice]) -> list[int]:
    """What is left to credit on each line (cents incl. VAT), after the notes already issued."""
    left = [line["incl"] for line in invoice.content["lines"]]
    for note in notes:
        if not is_partial(note):  # a note that cancels the invoice takes everything
            return [0] * len(left)
        for line in note.content["lines"]:
            left[line["credits_line"]] -= line["incl"]
    return left


def credit_line(line: dict, index: int, wanted: Wanted, left: int, commission_bp: int) -> dict:
    quantity = Decimal(line["quantity"])
    if wanted.quantity is not None and not 0 < wanted.quantity <= quantity:
        raise CreditRefused(
            _l(
                "« %(line)s »: credit between 0 and %(quantity)s.",
                line=line["description"],
                quantity=line["quantity"],
            )
        )
    if wanted.amount_cents is not None:
        amount = wanted.amount_cents
    else:  # the quantity's share of the line's amount, rounded half up to the cent
        share = Decimal(line["incl"]) * (wanted.quantity or 0) / quantity
        amount = int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if amount <= 0 or amount > left:
        raise CreditRefused(
            _l(
                "« %(line)s »: at most %(left)s cents are left to credit on this line.",
                line=line["description"],
                left=left,
            )
        )
    if wanted.quantity is not None:
        credited = wanted.quantity
    else:
        credited = (quantity * amount / line["incl"]).quantize(Decimal("0.001"))
    vat = vat_included(amount, line["vat_rate"])
    _share, commission_excl, commission_vat = split_line(amount, commission_bp)
    return {
        **line,
        "quantity": str(credited),
        "excl": amount - vat,
        "vat": vat,
        "incl": amount,
        "commission_excl": commission_excl,
        "commission_vat": commission_vat,
        "credits_line": index,
    }


def issue_partial_credit(
    invoice_id: int, wanted: dict[int, Wanted], reason: str, now: datetime
) -> Invoice:
    reason = reason.strip()
    if not reason:
        raise CreditInvalid(_l("Say why the invoice is credited: the note states it."))
    if not wanted:
        raise CreditInvalid(_l("Choose at least one line, with a quantity or an amount."))
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.kind != InvoiceKind.SALE or invoice.order_id is None:
        raise CreditRefused(_l("Only an issued sales invoice can be credited."))
    lock_row(Producer, invoice.producer_id)
    notes = notes_on(invoice)
    left = remaining_by_line(invoice, notes)
    if not any(left):
        raise CreditRefused(
            _l("Invoice %(reference)s is already wholly credited.", reference=invoice.reference)
        )
    lines = invoice.content["lines"]
    if any(not 0 <= index < len(lines) for index in wanted):
        raise CreditInvalid(_l("Choose lines of this invoice."))
    commission_bp = current_app.config["HUB_COMMISSION_BASIS_POINTS"]
    credited = [
        credit_line(lines[index], index, want, left[index], commission_bp)
        for index, want in sorted(wanted.items())
    ]
    order = db.session.get(Order, invoice.order_id)
    if order is None:  # never: an invoice's order is kept with the books
        raise CreditRefused(_l("Only an issued sales invoice can be credited."))
    # The ledger's lines are tagged with the product's VAT rate, also where the producer's
    # regime invoices none: the order's lines as they were invoiced give it.
    rates = [
        line.vat_basis_points
        for line in order.lines
        if line.producer_id == invoice.producer_id and line.amount_cents and not order.is_cancelled
    ]
    if len(rates) != len(lines):
        raise CreditRefused(
            _l(
                "The order changed since invoice %(reference)s: issue the cycle's invoices "
                "first, then credit the invoice in force.",
                reference=invoice.reference,
            )
        )
    posting = post_fulfilment_adjusted(
        order.household_id,
        order.reference,
        [(invoice.producer_id, line["incl"], rates[line["credits_line"]]) for line in credited],
        [],
        commission_bp,
        f"invoice.credited:{invoice.reference}:{len(notes) + 1}",
        order_id=order.id,
    )
    seqs = [posting.seq] if posting is not None and posting.seq is not None else []
    with force_locale("fr"):
        return issuing.credit_note(
            invoice, now, seqs, credited, extra={"partial": True, "reason": reason}
        )
