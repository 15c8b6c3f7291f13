"""What a volunteer records at pickup. Each change adjusts the order and posts to the ledger.

Fulfilment changes (a missing item, a real weight) raise the order's version and post the
difference with `post_fulfilment_adjusted`, keyed on that version like every other change of
the order. A payment posts `payment.received` naming the order's reference, so that what is
"already paid" is read from the ledger whoever took the money. When a household has paid more
than its order now costs, the difference simply stays on its ledger account as credit.
They flush, never commit.
"""

import unicodedata
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from market.auth.models import Household
from market.cycles.models import CyclePickup, CycleState, OrderCycle
from market.extensions import db
from market.ledger.builders import (
    order_version_key,
    post_fulfilment_adjusted,
    post_order_cancelled,
    post_payment_received,
    recorded_key,
)
from market.ledger.posting import transaction_by_key
from market.money import InvalidAmount, parse_amount
from market.numbers import InvalidNumber, parse_whole_number
from market.orders.models import Order, OrderLine, OrderStatus
from market.orders.notify import tell_household
from market.orders.services import ledger_lines
from market.payments.services import PICKUP_METHODS, due_cents, settle_overpayment
from market.pickup.errors import PickupConflict, PickupRefused
from market.rowlock import lock_row

# The heaviest line a volunteer may weigh at a collection point.
MAX_WEIGHT_GRAMS = 100_000
SEARCH_LIMIT = 30


def pickup_or_none(pickup_id: int) -> CyclePickup | None:
    query = (
        select(CyclePickup)
        .options(joinedload(CyclePickup.collection_point), joinedload(CyclePickup.cycle))
        .where(CyclePickup.id == pickup_id)
    )
    return db.session.scalar(query)


def recent_pickups(now: datetime, limit: int = 20) -> list[CyclePickup]:
    """The collection points of the latest cycles that are closed (pickup comes after)."""
    query = (
        select(CyclePickup)
        .join(CyclePickup.cycle)
        .options(joinedload(CyclePickup.collection_point), joinedload(CyclePickup.cycle))
        .where(OrderCycle.published_at.is_not(None), OrderCycle.closes_at <= now)
        .order_by(CyclePickup.starts_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def folded(text: str) -> str:
    """Text as a search compares it: "Barrère" and "BARRERE" both give "barrere"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search(pickup: CyclePickup, text: str) -> list[Order]:
    """Orders at this point whose household name, second collector or number matches,
    accents and case aside on every database alike: a point's orders (a few hundred at
    most) are compared here rather than by each database's own collation."""
    query = (
        select(Order)
        .join(Household, Household.id == Order.household_id)
        .options(joinedload(Order.household))
        .where(Order.pickup_id == pickup.id, Order.status == OrderStatus.PLACED.value)
        .order_by(func.lower(Household.name), Order.number)
    )
    wanted = folded((text or "").strip())
    if not wanted:
        return list(db.session.scalars(query.limit(SEARCH_LIMIT)))
    digits = wanted.rsplit("-", 1)[-1].lstrip("0")
    found = [
        order
        for order in db.session.scalars(query)
        if wanted in folded(order.household.name)
        or wanted in folded(order.household.second_collector or "")
        or wanted in order.reference.casefold()
        or (digits.isdigit() and str(order.number) == digits)
    ]
    return found[:SEARCH_LIMIT]


def progress(pickup: CyclePickup) -> tuple[int, int]:
    """(collected, total) of the orders to hand out at this point."""
    collected, total = db.session.execute(
        select(func.count(Order.collected_at), func.count()).where(
            Order.pickup_id == pickup.id, Order.status == OrderStatus.PLACED.value
        )
    ).one()
    return collected, total


def order_at(pickup: CyclePickup, order_id: int, *, lock: bool = False) -> Order | None:
    query = (
        select(Order)
        .options(
            selectinload(Order.lines), joinedload(Order.household).selectinload(Household.users)
        )
        .where(
            Order.id == order_id,
            Order.pickup_id == pickup.id,
            Order.status == OrderStatus.PLACED.value,
        )
    )
    if lock:
        # Two volunteers on the same order (or a double tap) queue here, and the second
        # reads what the first did rather than race on its version.
        lock_row(Order, order_id)
        query = query.execution_options(populate_existing=True)
    return db.session.scalar(query)


def require_closed(order: Order, now: datetime) -> None:
    if order.cycle.state(now) not in (CycleState.CLOSED, CycleState.SETTLED):
        raise PickupConflict(
            _l("Orders for this cycle are still open: the household can still change this order.")
        )


def line_of(order: Order, line_id) -> OrderLine:
    for line in order.lines:
        if str(line.id) == str(line_id):
            return line
    raise PickupRefused(_l("This product is not in the order."))


def adjust(order: Order, change, now: datetime) -> None:
    """Apply a fulfilment change and post the difference, under a new order version."""
    require_closed(order, now)
    old_lines = ledger_lines(order)
    change()
    order.version += 1
    db.session.flush()
    post_fulfilment_adjusted(
        order.household_id,
        order.reference,
        old_lines,
        ledger_lines(order),
        idempotency_key=order_version_key(order.id, order.version),
        order_id=order.id,
    )
    # Paid online beyond the new amount: back to the card or kept as credit, per the hub.
    settle_overpayment(order)


def parse_count(text: str) -> int:
    try:
        return parse_whole_number(text, highest=9999)
    except InvalidNumber:
        raise PickupRefused(_l("Enter a whole number of missing units."), field="missing") from None


def mark_missing(order: Order, line_id, missing_text: str, now: datetime) -> OrderLine:
    """Units of a line not handed over (0 puts them back)."""
    line = line_of(order, line_id)
    missing = parse_count(missing_text)
    if missing > line.quantity:
        raise PickupRefused(
            _l(
                "At most %(quantity)d units of « %(name)s » can be missing.",
                quantity=line.quantity,
                name=line.product_name,
            ),
            field="missing",
        )

    def change():
        line.missing_quantity = missing
        if line.sold_by_weight:
            line.real_weight_grams = None  # weighed again for what is handed over

    adjust(order, change, now)
    return line


def parse_weight(text: str) -> int:
    """'1,250' or '1.25' kg into grams."""
    cleaned = (text or "").strip().lower().removesuffix("kg").strip().replace(",", ".")
    try:
        kilograms = Decimal(cleaned)
    except InvalidOperation:
        raise PickupRefused(
            _l("Enter the weight in kilograms, for example 1,250."), field="weight"
        ) from None
    grams = kilograms * 1000
    if (
        not kilograms.is_finite()
        or grams != grams.to_integral_value()
        or grams <= 0
        or grams > MAX_WEIGHT_GRAMS
    ):
        raise PickupRefused(_l("Enter the weight in kilograms, for example 1,250."), field="weight")
    return int(grams)


def record_weight(order: Order, line_id, weight_text: str, now: datetime) -> OrderLine:
    """The real weight of everything handed over on a line sold by weight."""
    line = line_of(order, line_id)
    if not line.sold_by_weight:
        raise PickupRefused(_l("« %(name)s » is not sold by weight.", name=line.product_name))
    if line.delivered_quantity == 0:
        raise PickupRefused(
            _l("« %(name)s » is all missing: there is nothing to weigh.", name=line.product_name),
            field="weight",
        )
    grams = parse_weight(weight_text)

    def change():
        line.real_weight_grams = grams

    adjust(order, change, now)
    return line


def order_amount(order: Order) -> int:
    return sum(line.amount_cents for line in order.lines)


def record_payment(order: Order, amount_text: str, method: str, submission: str, now: datetime):
    """Money taken at pickup for this order; a form sent twice is recorded once."""
    require_closed(order, now)
    if method not in PICKUP_METHODS:
        raise PickupRefused(_l("Choose how the household paid."), field="method")
    try:
        amount = parse_amount(amount_text or "")
    except InvalidAmount:
        raise PickupRefused(
            _l("Enter the amount received, for example 12,50."), field="amount"
        ) from None
    if amount <= 0:
        raise PickupRefused(_l("The amount must be more than zero."), field="amount")
    if not submission or len(submission) > 64 or not submission.isalnum():
        raise PickupRefused(_l("The form had expired: please enter the payment again."))
    due = due_cents(order)
    key = recorded_key(f"pickup-payment:{order.id}", submission)
    if transaction_by_key(key) is None and amount > due:
        raise PickupRefused(_l("This is more than what is due for this order."), field="amount")
    return post_payment_received(
        order.household_id, amount, method, order.reference, key, order_id=order.id
    )


def pay_and_collect(
    order: Order, amount_text: str, method: str, submission: str, now: datetime
) -> None:
    """The common case in one tap: the household pays what is due and takes its order."""
    record_payment(order, amount_text, method, submission, now)
    mark_collected(order, now)


def mark_collected(order: Order, now: datetime) -> None:
    require_closed(order, now)
    order.collected_at = order.collected_at or now
    order.no_show_at = None
    db.session.flush()


def no_show_policy() -> str:
    policy = current_app.config.get("HUB_NO_SHOW_POLICY", "charge")
    return policy if policy in ("charge", "cancel") else "charge"


def mark_no_show(order: Order, now: datetime) -> None:
    """Nobody collected the order (the caller holds its lock). As the hub chose: it stays
    due ("charge"), or it is cancelled and its sale posted back ("cancel"); either way the
    household is told, once."""
    if order.collected_at is not None:
        raise PickupConflict(_l("This order was collected: it cannot be a no-show."))
    require_closed(order, now)
    if order.no_show_at is not None:
        return
    order.no_show_at = now
    if no_show_policy() == "cancel":
        old_lines = ledger_lines(order)
        # The goods were brought: the lines stay as a record, the stock is not put back.
        order.status, order.cancelled_at = OrderStatus.CANCELLED, now
        order.version += 1
        db.session.flush()
        post_order_cancelled(
            order.household_id,
            order.reference,
            old_lines,
            idempotency_key=order_version_key(order.id, order.version),
            order_id=order.id,
        )
        settle_overpayment(order)
    db.session.flush()
    tell_household(
        order, "order_no_show", "no-show", due=0 if order.is_cancelled else due_cents(order)
    )


def undo_status(order: Order) -> None:
    order.collected_at = None
    order.no_show_at = None
    db.session.flush()
