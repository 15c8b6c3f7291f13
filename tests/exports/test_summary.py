"""The cycle summary agrees with the ledger to the cent, after pickup-day changes too."""

import io

import openpyxl
from sqlalchemy import func, select

from market.exports.data import cycle_data
from market.exports.summary import cycle_summary, summary_tables
from market.exports.writers import xlsx_bytes
from market.ledger.builders import post_payment_received
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.pickup import services as pickup_day
from market.timeutil import utcnow


def ledger_sum(db, references, account_filter, kinds=None) -> int:
    query = (
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.reference.in_(references), account_filter)
    )
    if kinds:
        query = query.where(LedgerTransaction.kind.in_(kinds))
    return int(db.session.scalar(query))


def test_summary_matches_the_ledger(db, closed_cycle):
    placed = closed_cycle["orders"]
    martin, etcheverry = placed["martin"], placed["etcheverry"]
    post_payment_received(
        martin.household_id, 1000, "cash", martin.reference, "t-1", order_id=martin.id
    )
    post_payment_received(
        etcheverry.household_id, 3300, "stripe", etcheverry.reference, "t-2", order_id=etcheverry.id
    )
    # Pickup day: a missing cheese and a real weight change the sale.
    now = utcnow()
    cheese = next(line for line in etcheverry.lines if line.product_name == "Tomme de brebis")
    squash = next(line for line in etcheverry.lines if line.product_name == "Potimarron")
    pickup_day.mark_missing(etcheverry, cheese.id, "1", now)
    pickup_day.record_weight(etcheverry, squash.id, "3,333", now)
    db.session.commit()

    summary = cycle_summary(cycle_data(closed_cycle["cycle"].id))
    references = [order.reference for order in placed.values()]
    for producer in summary.producers:
        key = f"producer:{producer.producer_id}"
        assert -ledger_sum(db, references, LedgerAccount.key == key) == producer.producer_cents
    assert -ledger_sum(db, references, LedgerAccount.key == "hub:commission") == summary.total(
        "commission_cents"
    )
    assert -ledger_sum(db, references, LedgerAccount.key == "hub:vat") == summary.total("vat_cents")
    sales = ledger_sum(
        db,
        references,
        LedgerAccount.kind == "household",
        ["order.placed", "order.changed", "fulfilment.adjusted"],
    )
    assert sales == summary.total("sales_cents") == 2150 + 250 + 1200 + 1000
    assert summary.payments == {"cash": 1000, "cheque": 0, "card": 0, "transfer": 0, "stripe": 3300}
    owed = ledger_sum(db, references, LedgerAccount.kind == "household")
    assert owed == summary.due_cents - summary.beyond_cents
    assert summary.beyond_cents == 3300 - 2200 and summary.due_cents == 1150 + 250
    assert summary.reconciled_cents == sales


def test_summary_xlsx_reopens_with_the_totals(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(summary_tables(data))))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[-1][0] == "Total" and round(rows[-1][1] * 100) == 2150 + 250 + 3300
