"""A simulated month: two settled cycles, missing items, real weights, a cancellation after
pickup, a partial credit note, a producer under the franchise en base. Every series stays
gapless, every invoice and credit note agrees with the ledger to the cent, the commission
invoices state the hub's commission and VAT in the ledger, every Factur-X file passes the
library's checks, and verify holds."""

from collections import defaultdict
from datetime import timedelta

from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from sqlalchemy import select

from market.cycles.services import close_early, settle
from market.extensions import db as _db
from market.invoices import commission, credits, issuing
from market.invoices.models import Invoice
from market.invoices.verify import verify
from market.ledger.builders import SALE_KINDS
from market.ledger.commission import split_line
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.orders import services as orders
from market.pickup.services import mark_missing, mark_no_show, record_weight
from market.timeutil import to_hub_time, utcnow
from tests.factories import (
    CyclePickupFactory,
    MandateAcceptanceFactory,
    OfferFactory,
    OrderCycleFactory,
    TaxProfileFactory,
)
from tests.invoices.schematron import failed_rules
from tests.invoices.test_commission import ledger_total


def ledger_by_order_and_producer() -> dict[tuple[int, int], int]:
    """What the ledger credited each producer per order, and the households' net debit."""
    rows = _db.session.execute(
        select(
            LedgerTransaction.order_id,
            LedgerAccount.kind,
            LedgerAccount.producer_id,
            LedgerEntry.amount,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.kind.in_(SALE_KINDS),
            LedgerAccount.kind.in_(("producer", "household")),
        )
    )
    found: dict[tuple[int, int | None], int] = defaultdict(int)
    for order_id, kind, producer_id, amount in rows:
        found[(order_id, producer_id if kind == "producer" else None)] -= amount
    return {key: amount for key, amount in found.items() if amount}


def invoiced_by_order_and_producer() -> dict[tuple[int, int | None], int]:
    """The same, from the invoices and credit notes in force."""
    found: dict[tuple[int, int | None], int] = defaultdict(int)
    for invoice in _db.session.scalars(select(Invoice).where(Invoice.order_id.is_not(None))):
        for line in invoice.content["lines"]:
            share = split_line(line["incl"], 1000)[0]
            found[(invoice.order_id, invoice.producer_id)] += invoice.sign * share
            found[(invoice.order_id, None)] -= invoice.sign * line["incl"]
    return {key: amount for key, amount in found.items() if amount}


def second_cycle(settled):
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 49",
        opens_at=now - timedelta(hours=1),
        published_at=now - timedelta(days=1),
        pickups=[],
    )
    pickup = CyclePickupFactory(cycle=cycle, collection_point=settled["bourg"].collection_point)
    carrots = OfferFactory(cycle=cycle, product=settled["carrots"].product)
    cheese = OfferFactory(cycle=cycle, product=settled["cheese"].product)
    squash = OfferFactory(cycle=cycle, product=settled["squash"].product)
    placed = [
        orders.place(
            settled["people"][name], cycle, now, pickup_id=pickup.id, payment="pickup", items=items
        )
        for name, items in (
            ("martin", {cheese.id: 3, squash.id: 2}),
            ("etcheverry", {carrots.id: 4, cheese.id: 1}),
        )
    ]
    close_early(cycle, now)
    return cycle, placed


def test_a_month_of_invoices(app, db, settled):
    app.config["HUB_NO_SHOW_POLICY"] = "cancel"
    dairy = settled["dairy"]
    TaxProfileFactory(
        producer=dairy, legal_name="SARL Laiterie Biarrot", vat_regime="franchise", vat_number=None
    )
    MandateAcceptanceFactory(producer_id=dairy.id)
    db.session.commit()
    start = utcnow() - timedelta(days=40)
    month = to_hub_time(start).strftime("%Y-%m")
    first = settled["cycle"].id
    issuing.issue_cycle(first, start)
    db.session.commit()
    # After pickup: a missing unit, a real weight, an order cancelled.
    martin, etcheverry = settled["orders"]["martin"], settled["orders"]["etcheverry"]
    cheese = next(line for line in etcheverry.lines if line.product_name == "Tomme de brebis")
    squash = next(line for line in martin.lines if line.product_name == "Potimarron")
    mark_missing(etcheverry, cheese.id, "1", utcnow())
    record_weight(martin, squash.id, "1,380", utcnow())
    mark_no_show(settled["orders"]["dupuy"], utcnow())
    db.session.commit()
    issuing.issue_cycle(first, start + timedelta(hours=1))
    cycle, placed = second_cycle(settled)
    settle(cycle, utcnow())
    db.session.commit()
    settle_and_issue = issuing.issue_cycle(cycle.id, start + timedelta(hours=2))
    assert settle_and_issue.not_invoiced == []
    db.session.commit()
    squash_b = next(line for line in placed[0].lines if line.product_name == "Potimarron")
    record_weight(placed[0], squash_b.id, "3,105", utcnow())  # weighed after settling
    db.session.commit()
    assert issuing.issue_cycle(cycle.id, start + timedelta(hours=3)).issued != []  # weighed
    assert issuing.issue_cycle(first, start + timedelta(hours=3)).issued == []
    db.session.commit()
    # A partial credit note: a bunch of carrots found spoilt, 1,00 € given back.
    spoilt = next(
        invoice
        for (_order, producer_id), invoice in issuing.open_invoices(first).items()
        if producer_id == settled["farm"].id and invoice.content["lines"][0]["incl"] >= 100
    )
    credits.issue_partial_credit(
        spoilt.id,
        {0: credits.Wanted(amount_cents=100)},
        "Carottes abîmées",
        start + timedelta(hours=4),
    )
    db.session.commit()

    assert invoiced_by_order_and_producer() == ledger_by_order_and_producer()
    invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
    assert {invoice.kind for invoice in invoices} == {"sale", "credit_note"}
    for invoice in invoices:
        if invoice.producer_id == dairy.id:
            assert invoice.total_vat_cents == 0
    issued = commission.issue_month(month, utcnow())
    db.session.commit()
    assert len(issued) == 2
    # The month's commission invoices state, to the cent, the commission and its VAT that the
    # ledger credited the hub for these orders, the partial credit note's return included.
    order_ids = [invoice.order_id for invoice in invoices if invoice.order_id is not None]
    assert sum(invoice.total_excl_vat_cents for invoice in issued) == ledger_total(
        "hub:commission", order_ids
    )
    assert sum(invoice.total_vat_cents for invoice in issued) == ledger_total("hub:vat", order_ids)
    for invoice in issued:
        _name, xml = get_facturx_xml_from_pdf(invoice.document)
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert failed_rules(xml) == []
    verdict = verify(1000)
    assert verdict.ok, verdict.problems
    series: dict[str, list[int]] = defaultdict(list)
    for invoice in db.session.scalars(select(Invoice).order_by(Invoice.id)):
        series[invoice.series].append(invoice.number)
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in series.values())
