"""The cycle summary: sales per producer, commission and VAT, payments by method, still due.

Sales are split line by line exactly as the ledger splits them (ledger.commission), so the
summary agrees with the ledger's entries for the cycle's orders to the cent.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from market.exports.data import CycleData
from market.exports.tables import Money, Table
from market.extensions import db
from market.ledger.commission import split_line
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.ledger.statements import PAYMENT_KINDS
from market.orders.models import Order


@dataclass
class ProducerSales:
    producer_id: int
    name: str
    sales_cents: int = 0
    producer_cents: int = 0
    commission_cents: int = 0
    vat_cents: int = 0


@dataclass
class Summary:
    producers: list[ProducerSales]
    payments: dict[str, int] = field(default_factory=dict)
    due_cents: int = 0
    credit_cents: int = 0

    def total(self, attribute: str) -> int:
        return sum(getattr(p, attribute) for p in self.producers)


def payments_by_method(cycle_id: int) -> dict[str, int]:
    """Money taken for the cycle's orders, per method, from the ledger (refunds deducted)."""
    references = select(Order.reference).where(Order.cycle_id == cycle_id)
    query = (select(LedgerTransaction.payment_method, func.sum(LedgerEntry.amount))
             .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
             .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
             .where(LedgerTransaction.kind.in_(PAYMENT_KINDS), LedgerAccount.kind == "household",
                    LedgerTransaction.reference.in_(references))
             .group_by(LedgerTransaction.payment_method)
             .order_by(LedgerTransaction.payment_method))
    return {method or "": -int(amount) for method, amount in db.session.execute(query)}


def cycle_summary(data: CycleData) -> Summary:
    rate = current_app.config["HUB_COMMISSION_BASIS_POINTS"]
    sales: dict[int, ProducerSales] = {}
    for order in data.orders():
        for line in order.lines:
            entry = sales.get(line.producer_id)
            if entry is None:
                entry = sales[line.producer_id] = ProducerSales(
                    line.producer_id, data.producers.get(line.producer_id, ""))
            producer, commission, vat = split_line(line.amount_cents, rate)
            entry.sales_cents += line.amount_cents
            entry.producer_cents += producer
            entry.commission_cents += commission
            entry.vat_cents += vat
    producers = sorted(sales.values(), key=lambda p: p.name.casefold())
    orders = list(data.orders())
    return Summary(producers, payments_by_method(data.cycle_id),
                   due_cents=sum(o.due_cents for o in orders),
                   credit_cents=sum(o.credit_cents for o in orders))


def method_label(method: str) -> str:
    labels = {"cash": _("cash"), "cheque": _("cheque"), "transfer": _("transfer"),
              "stripe": _("card online")}
    return labels.get(method, method)


def summary_tables(data: CycleData, summary: Summary | None = None) -> list[Table]:
    summary = summary or cycle_summary(data)
    sales = Table(
        title=_("Cycle summary — %(cycle)s", cycle=data.cycle_name),
        subtitle=_("Sales per producer"),
        header=[_("Producer"), _("Sales"), _("Due to the producer"),
                _("Commission excluding VAT"), _("VAT on commission")],
        rows=[[p.name, Money(p.sales_cents), Money(p.producer_cents),
               Money(p.commission_cents), Money(p.vat_cents)] for p in summary.producers],
        footer=[[_("Total"), Money(summary.total("sales_cents")),
                 Money(summary.total("producer_cents")),
                 Money(summary.total("commission_cents")), Money(summary.total("vat_cents"))]])
    payments = Table(
        title=_("Payments by method"), header=[_("Method"), _("Amount")],
        rows=[[method_label(method), Money(amount)]
              for method, amount in summary.payments.items()],
        footer=[[_("Total paid"), Money(sum(summary.payments.values()))],
                [_("Still due"), Money(summary.due_cents)],
                [_("Paid beyond the orders (credit)"), Money(summary.credit_cents)]])
    return [sales, payments]
