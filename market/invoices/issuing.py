"""Issuing invoices: sales in the producers' name per settled cycle, and credit notes.

One invoice per order and producer once the cycle is settled (its amounts final after pickup),
numbered in the producer's own series. Issuing a cycle again issues only what changed since:
an order whose lines changed after its invoice (a missing item, a weight, a cancellation)
gets a credit note cancelling that invoice and, when something is still sold, a new invoice;
an issued invoice never changes. Settling a cycle issues its invoices at once when they are
few (`issue_at_settlement`); `issue_settled`, run by a timer, issues whatever is still due.
A partial credit note (market/invoices/credits.py) leaves its invoice in force.

Issuing takes the cycle's lock, so two runs at once issue once; each series is moved under
its own lock (the producer's row, or the hub's series row), and the database refuses any
number but the next one. Before an order is invoiced, what its lines say is compared with its
ledger postings: the household's debit and each producer's share must agree to the cent, or
the order is listed as not invoiced, with the reason, like a producer without a checked tax
profile or a mandate in force. Nothing is skipped silently.
"""

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from market.catalog.models import Producer
from market.company_numbers import hub_siren
from market.cycles.models import OrderCycle
from market.cycles.signals import cycle_settled
from market.errors import DomainError
from market.extensions import db
from market.invoices import amounts, documents
from market.invoices.models import Invoice, InvoiceKind, InvoiceSeries, TaxProfile, VatRegime
from market.invoices.services import active_mandate, invoicing_blocker, tax_profile
from market.ledger.builders import SALE_KINDS
from market.ledger.commission import split_line
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.orders.models import Order, OrderLine
from market.rowlock import lock_row
from market.timeutil import to_hub_time

HUB_SERIES = "COM"
log = logging.getLogger(__name__)


class InvoicingRefused(DomainError):
    status = 409


@dataclass
class NotInvoiced:
    producer_id: int
    order_reference: str
    reason: str


@dataclass
class Outcome:
    issued: list[Invoice] = field(default_factory=list)
    not_invoiced: list[NotInvoiced] = field(default_factory=list)
    # What a run would issue (only counted when looking, never issuing).
    pending: int = 0

    @property
    def complete(self) -> bool:
        """Every sale of the cycle invoiced as it stands: nothing to issue, nothing held up."""
        return not self.pending and not self.not_invoiced


def series_key(producer_id: int) -> str:
    return f"P{producer_id:05d}"


def next_number(key: str) -> int:
    """The series' next number; the caller holds the lock that serialises the series."""
    series = db.session.scalar(select(InvoiceSeries).where(InvoiceSeries.key == key))
    if series is None:
        series = InvoiceSeries(key=key, last_number=0)
        db.session.add(series)
        db.session.flush()
    else:
        lock_row(InvoiceSeries, series.id)
        db.session.refresh(series)
    series.last_number += 1
    db.session.flush()
    return series.last_number


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_sha256(invoice: Invoice) -> str:
    """Everything the invoice states, with its PDF's hash: what `invoices verify` recomputes."""
    return hashlib.sha256(
        canonical(
            {
                "kind": invoice.kind,
                "series": invoice.series,
                "number": invoice.number,
                "reference": invoice.reference,
                "issued_at": invoice.issued_at.isoformat(),
                "producer_id": invoice.producer_id,
                "household_id": invoice.household_id,
                "order_id": invoice.order_id,
                "cycle_id": invoice.cycle_id,
                "month": invoice.month,
                "credited_invoice_id": invoice.credited_invoice_id,
                "content": invoice.content,
                "totals": [
                    invoice.total_excl_vat_cents,
                    invoice.total_vat_cents,
                    invoice.total_incl_vat_cents,
                ],
                "ledger_seqs": invoice.ledger_seqs,
                "document_sha256": invoice.document_sha256,
            }
        ).encode()
    ).hexdigest()


def record(invoice: Invoice, lines: list[dict], document_maker=documents.pdf) -> Invoice:
    """Number, total, draw, hash and write the invoice: all of it before its one INSERT."""
    excl, vat, incl = amounts.totals(lines)
    invoice.content = {
        **invoice.content,
        "lines": lines,
        "vat": amounts.vat_summary(lines),
        "totals": {"excl": excl, "vat": vat, "incl": incl},
    }
    invoice.total_excl_vat_cents, invoice.total_vat_cents = excl, vat
    invoice.total_incl_vat_cents = incl
    invoice.number = next_number(invoice.series)
    # Numbers follow dates: one that waited for the series' lock behind a later moment takes
    # that moment (as the ledger does with its head), never a date before its predecessor.
    latest = db.session.scalar(
        select(func.max(Invoice.issued_at)).where(Invoice.series == invoice.series)
    )
    if latest is not None and invoice.issued_at < latest:
        invoice.issued_at = latest
    invoice.reference = f"{invoice.series}-{invoice.number:06d}"
    invoice.document = document_maker(
        invoice.reference, invoice.kind, invoice.issued_at, invoice.content
    )
    invoice.document_sha256 = hashlib.sha256(invoice.document).hexdigest()
    invoice.content_sha256 = content_sha256(invoice)
    db.session.add(invoice)
    db.session.flush()
    return invoice


def hub_party() -> dict:
    config = current_app.config
    return {
        "name": config["HUB_NAME"],
        "siren": hub_siren(),
        "address": config["HUB_ADDRESS"],
        "postcode": config["HUB_POSTCODE"],
        "town": config["HUB_TOWN"],
        "vat_number": hub_vat_number(),
    }


def hub_vat_number() -> str:
    """The hub's intra-community VAT number, computed from its SIREN (the French key)."""
    siren = int(hub_siren())
    return f"FR{(12 + 3 * (siren % 97)) % 97:02d}{siren:09d}"


def producer_party(profile) -> dict:
    return {
        "name": profile.legal_name,
        "address": profile.address,
        "postcode": profile.postcode,
        "town": profile.town,
        "siret": profile.siret,
        "vat_number": profile.vat_number,
    }


def regime_mentions(regime: str) -> list[str]:
    if regime == VatRegime.FRANCHISE:
        return [_("TVA non applicable, art. 293 B du CGI")]
    if regime == VatRegime.FLAT_RATE_FARMER:
        return [
            _(
                "TVA non applicable : producteur agricole au régime du remboursement "
                "forfaitaire, art. 298 quater du CGI"
            )
        ]
    return []


# --- what the ledger says of the cycle's orders --------------------------------------------


@dataclass
class OrderPostings:
    household: int = 0
    producers: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    seqs: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def sale_postings(order_ids: list[int]) -> dict[int, OrderPostings]:
    """Per order: the household's net debit and each producer's net credit (as a positive
    share), from the order's sale postings; one query."""
    found: dict[int, OrderPostings] = defaultdict(OrderPostings)
    if not order_ids:
        return found
    rows = db.session.execute(
        select(
            LedgerTransaction.order_id,
            LedgerTransaction.seq,
            LedgerAccount.kind,
            LedgerAccount.producer_id,
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.order_id.in_(order_ids),
            LedgerTransaction.kind.in_(SALE_KINDS),
            LedgerAccount.kind.in_(("household", "producer")),
        )
        .group_by(
            LedgerTransaction.order_id,
            LedgerTransaction.seq,
            LedgerAccount.kind,
            LedgerAccount.producer_id,
        )
    )
    for order_id, seq, kind, producer_id, amount in rows:
        if order_id is None:  # never: `in_` matches no null
            continue
        postings = found[order_id]
        if kind == "household":
            postings.household += int(amount)
        elif producer_id is not None:  # always: a producer's account names its producer
            postings.producers[producer_id] -= int(amount)
            if seq is not None:  # a posting not chained yet has no number to name
                postings.seqs[producer_id].add(seq)
    return found


def disagreement(
    lines_by_producer: dict[int, list], postings: OrderPostings, commission_bp: int
) -> str | None:
    total = sum(line.amount_cents for lines in lines_by_producer.values() for line in lines)
    if total != postings.household:
        return _(
            "the order's lines (%(lines)s cents) disagree with its ledger postings "
            "(%(ledger)s cents)",
            lines=total,
            ledger=postings.household,
        )
    for producer_id in set(lines_by_producer) | set(postings.producers):
        share = sum(
            split_line(line.amount_cents, commission_bp)[0]
            for line in lines_by_producer.get(producer_id, [])
        )
        if share != postings.producers.get(producer_id, 0):
            return _("the producer's share disagrees with the ledger")
    return None


# --- sales --------------------------------------------------------------------------------


def open_invoices(cycle_id: int) -> dict[tuple[int, int], Invoice]:
    """Per (order, producer): the sale invoice in force, that no credit note has cancelled."""
    invoices = db.session.scalars(
        select(Invoice)
        .where(
            Invoice.cycle_id == cycle_id,
            Invoice.kind.in_((InvoiceKind.SALE.value, InvoiceKind.CREDIT_NOTE.value)),
        )
        .order_by(Invoice.id)
    ).all()
    # A partial credit note (market/invoices/credits.py) leaves its invoice in force.
    credited = {
        invoice.credited_invoice_id
        for invoice in invoices
        if invoice.is_credit_note and not invoice.content.get("partial")
    }
    return {
        (invoice.order_id, invoice.producer_id): invoice
        for invoice in invoices
        if invoice.kind == InvoiceKind.SALE
        and invoice.id not in credited
        and invoice.order_id is not None
    }  # (a sale always names its order)


def partial_credits(cycle_id: int, postings: dict[int, OrderPostings], commission_bp: int) -> set:
    """The invoices of the cycle that partial credit notes reduced (their ids). What those
    notes credited was posted to the ledger with them: it is added back to the orders'
    postings, so that the order's lines and its ledger are compared as they were sold."""
    notes = db.session.scalars(
        select(Invoice).where(
            Invoice.cycle_id == cycle_id, Invoice.kind == InvoiceKind.CREDIT_NOTE.value
        )
    ).all()
    reduced = set()
    for note in notes:
        if not note.content.get("partial") or note.order_id is None:
            continue
        reduced.add(note.credited_invoice_id)
        for line in note.content["lines"]:
            postings[note.order_id].household += line["incl"]
            postings[note.order_id].producers[note.producer_id] += split_line(
                line["incl"], commission_bp
            )[0]
    return reduced


def issue_cycle(cycle_id: int, now: datetime, *, looking: bool = False) -> Outcome:
    """Issue what the settled cycle still lacks; `looking` only says what that would be
    (how many documents, and what cannot be invoiced and why), takes no lock, writes nothing."""
    cycle = db.session.get(OrderCycle, cycle_id)
    if cycle is None:
        raise InvoicingRefused(_l("There is no such cycle."))
    if not looking:
        lock_row(OrderCycle, cycle.id)
        db.session.refresh(cycle)
    if cycle.settled_at is None:
        raise InvoicingRefused(
            _l(
                "« %(name)s » is not settled yet: its invoices are issued "
                "once its final amounts are known.",
                name=cycle.name,
            )
        )
    commission_bp = current_app.config["HUB_COMMISSION_BASIS_POINTS"]
    orders = db.session.scalars(
        select(Order)
        .where(Order.cycle_id == cycle.id)
        .options(
            selectinload(Order.lines), selectinload(Order.household), selectinload(Order.pickup)
        )
        .order_by(Order.number)
    ).all()
    postings = sale_postings([order.id for order in orders])
    in_force = open_invoices(cycle.id)
    partly_credited = partial_credits(cycle.id, postings, commission_bp)
    invoiced_producers: dict[int, set[int]] = defaultdict(set)
    for order_id, producer_id in in_force:
        invoiced_producers[order_id].add(producer_id)
    blockers: dict[int, str | None] = {}
    profiles: dict[int, TaxProfile | None] = {}
    outcome = Outcome()
    with force_locale("fr"):
        for order in orders:
            lines_by_producer: dict[int, list] = defaultdict(list)
            if not order.is_cancelled:
                for line in order.lines:
                    if line.amount_cents:
                        lines_by_producer[line.producer_id].append(line)
            problem = disagreement(lines_by_producer, postings[order.id], commission_bp)
            concerned = set(lines_by_producer) | invoiced_producers[order.id]
            for producer_id in sorted(concerned):
                if producer_id not in blockers:
                    blockers[producer_id] = invoicing_blocker(producer_id)
                    # Held here: the session keeps no object nobody holds.
                    profiles[producer_id] = tax_profile(producer_id)
                current = in_force.get((order.id, producer_id))
                profile = profiles[producer_id]
                regime = profile.vat_regime if profile else VatRegime.NORMAL.value
                wanted = [
                    amounts.sale_line(line, regime, commission_bp)
                    for line in lines_by_producer.get(producer_id, [])
                ]
                if current is not None and current.content["lines"] == wanted:
                    continue
                reason = problem or blockers[producer_id]
                if current is not None and current.id in partly_credited:
                    reason = _(
                        "its invoice %(reference)s has a partial credit note: credit what "
                        "changed by another partial credit note",
                        reference=current.reference,
                    )
                if reason is not None:
                    outcome.not_invoiced.append(NotInvoiced(producer_id, order.reference, reason))
                    continue
                if looking:
                    outcome.pending += (current is not None) + bool(wanted)
                    continue
                seqs = sorted(postings[order.id].seqs.get(producer_id, ()))
                lock_row(Producer, producer_id)
                if current is not None:
                    outcome.issued.append(credit_note(current, now, seqs))
                if wanted:
                    outcome.issued.append(
                        sale_invoice(order, cycle, producer_id, wanted, regime, seqs, now)
                    )
    return outcome


def settled_cycle_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(OrderCycle.id)
            .where(OrderCycle.settled_at.is_not(None))
            .order_by(OrderCycle.settled_at, OrderCycle.id)
        )
    )


def issue_settled(now: datetime) -> dict[int, Outcome]:
    """Every settled cycle's invoices not issued yet (a producer's mandate came later, an
    issue at settlement failed): per cycle, what was issued and what still cannot be."""
    return {cycle_id: issue_cycle(cycle_id, now) for cycle_id in settled_cycle_ids()}


def sales_to_invoice(cycle_id: int) -> int:
    """How many invoices the cycle's sales make at most (orders × producers): one query."""
    pairs = (
        select(OrderLine.order_id, OrderLine.producer_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cycle_id == cycle_id)
        .distinct()
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(pairs)) or 0


@cycle_settled.connect
def issue_at_settlement(cycle: OrderCycle, now: datetime) -> None:
    """A settled cycle is invoiced in the transaction that settles it when that is cheap: at
    most INVOICES_AT_SETTLEMENT_MAX invoices (each is a PDF drawn, some 0.1 s; bench/invoices.py
    measures it). A bigger cycle is left to `invoices issue --settled`, which a timer runs
    every quarter of an hour, so that settling stays a quick click that holds no lock for long.
    Invoicing never stands in the way of settling: if it fails, what it wrote is undone to a
    savepoint, and the timer tries again."""
    if sales_to_invoice(cycle.id) > current_app.config["INVOICES_AT_SETTLEMENT_MAX"]:
        return
    try:
        with db.session.begin_nested():
            issue_cycle(cycle.id, now)
    except Exception:
        log.exception("invoices of cycle %s not issued at settlement", cycle.id)


def sale_invoice(
    order: Order,
    cycle: OrderCycle,
    producer_id: int,
    lines: list[dict],
    regime: str,
    seqs: list[int],
    now: datetime,
) -> Invoice:
    profile, mandate = tax_profile(producer_id), active_mandate(producer_id)
    if profile is None or mandate is None:  # never: issue_cycle asked invoicing_blocker first
        raise InvoicingRefused(invoicing_blocker(producer_id))
    hub = hub_party()
    pickup_day = to_hub_time(order.pickup.starts_at).strftime("%d/%m/%Y")
    content = {
        "seller": producer_party(profile),
        # The customer's postal address when the household gave it (its profile).
        "buyer": {"name": order.household.name, **(order.household.postal_address or {})},
        "hub": hub,
        "about": _(
            "Order %(reference)s — %(cycle)s, delivered on %(day)s",
            reference=order.reference,
            cycle=cycle.name,
            day=pickup_day,
        ),
        "mandate": {"version": mandate.version, "accepted_at": mandate.accepted_at.isoformat()},
        "mentions": [
            _(
                "Facture établie par %(hub)s (SIREN %(siren)s) au nom et pour le "
                "compte de %(producer)s, en vertu d'un mandat de facturation "
                "(version %(version)s, accepté le %(day)s).",
                hub=hub["name"],
                siren=hub["siren"],
                producer=profile.legal_name,
                version=mandate.version,
                day=to_hub_time(mandate.accepted_at).strftime("%d/%m/%Y"),
            ),
            *regime_mentions(regime),
        ],
    }
    invoice = Invoice(
        kind=InvoiceKind.SALE.value,
        series=series_key(producer_id),
        issued_at=now,
        producer_id=producer_id,
        household_id=order.household_id,
        order_id=order.id,
        cycle_id=cycle.id,
        mandate_id=mandate.id,
        vat_regime=regime,
        content=content,
        ledger_seqs=seqs,
    )
    return record(invoice, lines)


def credit_note(
    invoice: Invoice,
    now: datetime,
    seqs: list[int],
    lines: list[dict] | None = None,
    extra: dict | None = None,
) -> Invoice:
    """An avoir on `invoice`: all its lines, or some of them; never more than it has left."""
    lines = invoice.content["lines"] if lines is None else lines
    already = db.session.execute(
        select(func.coalesce(func.sum(Invoice.total_incl_vat_cents), 0)).where(
            Invoice.credited_invoice_id == invoice.id
        )
    ).scalar_one()
    if any(line["incl"] < 0 for line in lines) or amounts.totals(lines)[
        2
    ] > invoice.total_incl_vat_cents - int(already):
        raise InvoicingRefused(
            _l(
                "A credit note cannot be larger than what is left of its invoice %(reference)s.",
                reference=invoice.reference,
            )
        )
    with force_locale("fr"):  # the language of the document, whoever asks for it
        content = {
            key: invoice.content[key]
            for key in ("seller", "buyer", "hub", "about", "mandate", "mentions")
        }
        content["credited"] = {
            "reference": invoice.reference,
            "date": to_hub_time(invoice.issued_at).strftime("%d/%m/%Y"),
        }
        content["mentions"] = invoice.content["mentions"]
        content.update(extra or {})
    note = Invoice(
        kind=InvoiceKind.CREDIT_NOTE.value,
        series=invoice.series,
        issued_at=now,
        producer_id=invoice.producer_id,
        household_id=invoice.household_id,
        order_id=invoice.order_id,
        cycle_id=invoice.cycle_id,
        credited_invoice_id=invoice.id,
        mandate_id=invoice.mandate_id,
        vat_regime=invoice.vat_regime,
        content=content,
        ledger_seqs=seqs,
    )
    return record(note, lines)
