"""The cycle summary: sales per producer, commission and VAT, and how the sales were paid.

Sales are split line by line exactly as the ledger splits them (ledger.commission), so the
summary agrees with the ledger's entries for the cycle's orders to the cent. The payments
reconcile with the sales, in every format, as one table whose rows add up to them:

    sales = cash + cheque + card at pickup + transfer + online + from credit + still due
            − paid beyond the orders (left on the households' accounts as credit)

Each order contributes what the ledger says it was paid by each method (refunds deducted),
what its household's credit covers when it chose to pay from credit, and what is still due;
an order paid beyond its amount (a missing item after payment, a cancelled order paid online)
leaves the difference as credit, the last row.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from market.catalog.models import VAT_LABELS
from market.exports.data import CycleData
from market.exports.tables import Money, Table
from market.ledger.commission import split_line
from market.payments.services import METHOD_LABELS
from market.pricing import order_totals

# Every way money comes in for an order, in the order the summary lists them.
METHODS = ("cash", "cheque", "card", "transfer", "stripe")
# What a collection point's volunteers hold at the end of pickup.
HELD_AT_POINT = ("cash", "cheque", "card")


@dataclass
class ProducerSales:
    producer_id: int
    name: str
    sales_cents: int = 0
    producer_cents: int = 0
    commission_cents: int = 0
    vat_cents: int = 0
    contract_cents: int = 0  # of the sales, what seasonal contracts' deliveries came to


@dataclass
class PointTakings:
    name: str
    by_method: dict[str, int]


@dataclass
class Summary:
    producers: list[ProducerSales]
    sales_vat_by_rate: dict[int, int] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    credit_used_cents: int = 0
    due_cents: int = 0
    beyond_cents: int = 0
    points: list[PointTakings] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(p, attribute) for p in self.producers)

    @property
    def reconciled_cents(self) -> int:
        """What the payment rows add up to: the sales, when the books agree."""
        return (
            sum(self.payments.values())
            + self.credit_used_cents
            + self.due_cents
            - self.beyond_cents
        )


def producer_sales(data: CycleData) -> list[ProducerSales]:
    rate = current_app.config["HUB_COMMISSION_BASIS_POINTS"]
    sales: dict[int, ProducerSales] = {}
    for order in data.orders():
        for line in order.lines:
            entry = sales.get(line.producer_id)
            if entry is None:
                entry = sales[line.producer_id] = ProducerSales(
                    line.producer_id, data.producers.get(line.producer_id, "")
                )
            producer, commission, vat = split_line(line.amount_cents, rate)
            entry.sales_cents += line.amount_cents
            if line.from_contract:
                entry.contract_cents += line.amount_cents
            entry.producer_cents += producer
            entry.commission_cents += commission
            entry.vat_cents += vat
    return sorted(sales.values(), key=lambda p: p.name.casefold())


def point_takings(data: CycleData) -> list[PointTakings]:
    points = []
    for point in data.points:
        held = {
            method: sum(order.payments.get(method, 0) for order in point.orders)
            for method in HELD_AT_POINT
        }
        points.append(PointTakings(point.name, held))
    return points


def cycle_summary(data: CycleData) -> Summary:
    payments: dict[str, int] = defaultdict(int, {method: 0 for method in METHODS})
    for method, amount in data.cancelled_payments.items():
        payments[method] += amount
    orders = list(data.orders())
    for order in orders:
        for method, amount in order.payments.items():
            payments[method] += amount
    vat = order_totals(line for order in orders for line in order.lines).vat_by_rate
    return Summary(
        producer_sales(data),
        vat,
        dict(payments),
        credit_used_cents=sum(o.credit_used_cents for o in orders),
        due_cents=sum(o.due_cents for o in orders),
        beyond_cents=sum(o.credit_cents for o in orders) + sum(data.cancelled_payments.values()),
        points=point_takings(data),
    )


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method))


def summary_tables(data: CycleData, summary: Summary | None = None) -> list[Table]:
    summary = summary or cycle_summary(data)
    sales_total = summary.total("sales_cents")
    sales = Table(
        title=_("Cycle summary — %(cycle)s", cycle=data.cycle_name),
        subtitle=_("Sales per producer"),
        header=[
            _("Producer"),
            _("Sales"),
            _("Due to the producer"),
            _("Commission excluding VAT"),
            _("VAT on commission"),
        ],
        rows=[
            [
                p.name,
                Money(p.sales_cents),
                Money(p.producer_cents),
                Money(p.commission_cents),
                Money(p.vat_cents),
            ]
            for p in summary.producers
        ],
        footer=[
            [
                _("Total"),
                Money(sales_total),
                Money(summary.total("producer_cents")),
                Money(summary.total("commission_cents")),
                Money(summary.total("vat_cents")),
            ]
        ],
    )
    vat = Table(
        title=_("VAT included in the sales"),
        header=[_("VAT rate"), _("VAT")],
        rows=[
            [VAT_LABELS[rate], Money(amount)] for rate, amount in summary.sales_vat_by_rate.items()
        ],
        footer=[[_("Total"), Money(sum(summary.sales_vat_by_rate.values()))]],
    )
    rows = [[method_label(method), Money(amount)] for method, amount in summary.payments.items()]
    rows += [
        [_("From credit"), Money(summary.credit_used_cents)],
        [_("Still due"), Money(summary.due_cents)],
        [_("Less: paid beyond the orders, left as credit"), Money(-summary.beyond_cents)],
    ]
    payments = Table(
        title=_("How the sales were paid"),
        header=[_("Method"), _("Amount")],
        rows=rows,
        footer=[[_("Total: the sales"), Money(summary.reconciled_cents)]],
    )
    points = Table(
        title=_("Held at each collection point at the end of pickup"),
        header=[_("Collection point"), *[method_label(m) for m in HELD_AT_POINT]],
        rows=[
            [point.name, *[Money(point.by_method[m]) for m in HELD_AT_POINT]]
            for point in summary.points
        ],
    )
    tables = [sales, vat, payments, points]
    with_contracts = [p for p in summary.producers if p.contract_cents]
    if with_contracts:
        # Contract lines are in the sales above; this says how much of them, marked as on
        # every other list.
        tables.insert(
            1,
            Table(
                title=_("Of the sales, seasonal contracts %(mark)s", mark=_("(contract)")),
                header=[_("Producer"), _("Sales")],
                rows=[[p.name, Money(p.contract_cents)] for p in with_contracts],
                footer=[[_("Total"), Money(sum(p.contract_cents for p in with_contracts))]],
            ),
        )
    return tables
