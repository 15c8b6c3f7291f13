"""The lists of a cycle, as tables built from one `CycleData`."""

from collections import defaultdict

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from market.catalog.models import UNIT_LABELS, quantity_in_unit
from market.cycles.services import format_window
from market.exports.data import CancelledNoShow, CycleData, Line, OrderRow, Point
from market.exports.tables import Money, Table
from market.orders.models import payment_label


def unit_labels() -> dict[str, str]:
    """Every unit's name, translated once for a whole list rather than once per line."""
    return {unit: str(label) for unit, label in UNIT_LABELS.items()}


class QuantityWords(dict):
    """'2 bottes', '1 kg': each (quantity, unit) put into words once for a whole list."""

    def __missing__(self, key: tuple[int, str]) -> str:
        quantity, unit = key
        words = quantity_in_unit(quantity, unit) if unit in UNIT_LABELS else f"{quantity} {unit}"
        self[key] = words
        return words


def quantity_text(line: Line, words: QuantityWords | None = None) -> str:
    """'3 kg', or '2 bunches (1 missing)', or '1 kg · 1,250 kg weighed'."""
    text = (words if words is not None else QuantityWords())[line.delivered, line.unit]
    if line.missing:
        text = ngettext(
            "%(quantity)s (%(num)d missing)",
            "%(quantity)s (%(num)d missing)",
            line.missing,
            quantity=text,
        )
    if line.sold_by_weight and line.real_weight_grams is not None:
        text += " · " + _(
            "%(weight)s kg weighed", weight=f"{line.real_weight_grams / 1000:.3f}".replace(".", ",")
        )
    return text


def contract_mark(line) -> str:
    """ " (contract)" after a seasonal contract's delivery, so lists tell it from extras."""
    return " " + _("(contract)") if line.from_contract else ""


def line_text(line: Line, producers: dict[int, str], words: QuantityWords) -> str:
    size = f" ({line.size})" if line.size else ""
    producer = producers.get(line.producer_id, "")
    name = f"{line.product_name}{size}{contract_mark(line)}"
    return f"{quantity_text(line, words)} × {name} — {producer}"


def collector_text(order: OrderRow) -> str:
    if order.second_collector:
        return _("%(name)s, or %(second)s", name=order.name, second=order.second_collector)
    return order.name


def due_text(order: OrderRow) -> str:
    if order.due_cents == 0:
        return _("nothing due")
    return payment_label(order.payment_choice)


def point_title(point: Point) -> str:
    return f"{point.name}, {point.town} — {format_window(point.starts_at, point.ends_at)}"


PICKUP_WIDTHS = [3.2, 1.2, 1.8, 7.0, 1.3, 1.3, 1.3, 1.5]


def pickup_header() -> list[str]:
    return [
        _("Household"),
        _("Order"),
        _("Phone"),
        _("Products"),
        _("Amount"),
        _("Paid"),
        _("Due"),
        _("How"),
    ]


def pickup_table(data: CycleData, point: Point) -> Table:
    words = QuantityWords()
    rows = [
        [
            collector_text(order),
            order.reference,
            order.phone or "",
            "\n".join(line_text(line, data.producers, words) for line in order.lines),
            Money(order.amount_cents),
            Money(order.paid_cents),
            Money(order.due_cents),
            due_text(order),
        ]
        for order in point.orders
    ]
    footer = [
        [
            ngettext("Total: %(num)d order", "Total: %(num)d orders", len(point.orders)),
            "",
            "",
            "",
            Money(point.amount_cents),
            Money(point.paid_cents),
            Money(point.due_cents),
            "",
        ]
    ]
    return Table(
        title=_("Pickup list — %(cycle)s", cycle=data.cycle_name),
        subtitle=point_title(point),
        header=pickup_header(),
        rows=rows,
        footer=footer,
        widths=PICKUP_WIDTHS,
        ink_columns=2,
    )


def pickup_tables(data: CycleData, pickup_id: int | None = None) -> list[Table]:
    return [
        pickup_table(data, point)
        for point in data.points
        if pickup_id is None or point.pickup_id == pickup_id
    ]


def household_label(order: OrderRow, named: bool) -> str:
    """Named or by order number, as the hub's privacy setting says."""
    if named:
        return f"{order.name} ({order.reference})"
    return order.reference


def product_key(line: Line) -> tuple:
    return (line.product_name.casefold(), line.size or "", line.unit, line.product_id)


def producer_tables(data: CycleData, producer_id: int) -> list[Table]:
    """What to bring: totals per product split by point, then each household's share."""
    entries = data.by_producer().get(producer_id, [])
    name = data.producers.get(producer_id, "")
    points = data.points
    totals: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    amounts: dict[tuple, int] = defaultdict(int)
    labels: dict[tuple, str] = {}
    units = unit_labels()
    for point, _order, line in entries:
        key = product_key(line)
        totals[key][point.pickup_id] += line.delivered
        amounts[key] += line.amount_cents
        labels[key] = line.product_name + (f" ({line.size})" if line.size else "")
    header = [_("Product"), _("Unit"), *[point.name for point in points], _("Total"), _("Amount")]
    rows = []
    for key in sorted(totals):
        by_point = totals[key]
        rows.append(
            [
                labels[key],
                units.get(key[2], key[2]),
                *[by_point.get(p.pickup_id, 0) for p in points],
                sum(by_point.values()),
                Money(amounts[key]),
            ]
        )
    # Bunches and kilograms do not add up: the quantities' total only for a single unit.
    quantities: list[int | str]
    if len({key[2] for key in totals}) <= 1:
        quantities = [
            *[sum(totals[k].get(p.pickup_id, 0) for k in totals) for p in points],
            sum(sum(v.values()) for v in totals.values()),
        ]
    else:
        quantities = ["" for _column in range(len(points) + 1)]
    footer = [[_("Total"), "", *quantities, Money(sum(amounts.values()))]]
    summary = Table(
        title=_("Producer list — %(producer)s — %(cycle)s", producer=name, cycle=data.cycle_name),
        subtitle=_("What to bring, per collection point"),
        header=header,
        rows=rows,
        footer=footer,
    )
    named = current_app.config["HUB_PRODUCER_LIST_NAMES"]
    detail_rows = [
        [
            point.name,
            household_label(order, named),
            line.product_name + contract_mark(line),
            line.delivered,
            units.get(line.unit, line.unit),
            Money(line.amount_cents),
        ]
        for point, order, line in entries
        if line.delivered
    ]
    detail = Table(
        title=_("Per household"),
        header=[
            _("Collection point"),
            _("Household"),
            _("Product"),
            _("Quantity"),
            _("Unit"),
            _("Amount"),
        ],
        rows=detail_rows,
        widths=[2.5, 3, 4, 1.2, 1.2, 1.4],
    )
    return [summary, detail]


def matrix_table(data: CycleData, point: Point) -> Table:
    """Products down, households across: what goes into each crate."""
    columns = [order for order in point.orders if order.lines]
    products: dict[tuple, dict[int, int]] = defaultdict(dict)
    labels: dict[tuple, tuple[str, str]] = {}  # (product, producer)
    units = unit_labels()
    for index, order in enumerate(columns):
        for line in order.lines:
            # A contract's lines get their own row, marked as on every other list.
            key = (
                data.producers.get(line.producer_id, "").casefold(),
                *product_key(line),
                line.from_contract,
            )
            labels[key] = (
                f"{line.product_name} ({units.get(line.unit, line.unit)}){contract_mark(line)}",
                data.producers.get(line.producer_id, ""),
            )
            products[key][index] = products[key].get(index, 0) + line.delivered
    header = [
        _("Product"),
        _("Producer"),
        _("Total"),
        *[f"{order.reference} {order.name}" for order in columns],
    ]
    rows = []
    for key in sorted(products):
        quantities = products[key]
        rows.append(
            [
                *labels[key],
                sum(quantities.values()),
                *[quantities.get(i) for i in range(len(columns))],
            ]
        )
    return Table(
        title=_("Distribution matrix — %(cycle)s", cycle=data.cycle_name),
        subtitle=point_title(point),
        header=header,
        rows=rows,
    )


def matrix_tables(data: CycleData, pickup_id: int | None = None) -> list[Table]:
    return [
        matrix_table(data, point)
        for point in data.points
        if pickup_id is None or point.pickup_id == pickup_id
    ]


def no_show_table(data: CycleData, cancelled: list[CancelledNoShow]) -> Table:
    """Who did not collect, and what each still owes (nothing once the policy cancelled it)."""
    points = {point.pickup_id: point.name for point in data.points}
    rows = [
        [
            order.name,
            order.reference,
            points[order.pickup_id],
            order.phone or "",
            Money(order.amount_cents),
            Money(order.due_cents),
            "",
        ]
        for order in data.orders()
        if order.no_show_at is not None
    ]
    rows += [
        [
            row.name,
            row.reference,
            points.get(row.pickup_id, ""),
            "",
            Money(0),
            Money(0),
            _("cancelled"),
        ]
        for row in cancelled
    ]
    return Table(
        title=_("Not collected — %(cycle)s", cycle=data.cycle_name),
        header=[
            _("Household"),
            _("Order"),
            _("Collection point"),
            _("Phone"),
            _("Amount"),
            _("Owes"),
            _("Status"),
        ],
        rows=rows,
        footer=[
            [
                _("Total"),
                "",
                "",
                "",
                Money(sum(row[4] for row in rows)),
                Money(sum(row[5] for row in rows)),
                "",
            ]
        ],
    )
