"""Placing, changing and cancelling orders. They flush, never commit: the view commits once.

Every change to an order's money posts to the ledger in the same transaction, keyed on the
order's version, so a business change and its postings commit together or not at all.

One request at a time per order: each change takes the order's row lock and reads the order
again before deciding anything (market/rowlock.py), so a double tap, two tabs or two app
servers queue and the second sees what the first did. A first order has no row yet: placing
locks the household's row instead. Locks are always taken in this order — household, order,
collection point, offers by id, the ledger's head at commit — so that requests queue rather
than deadlock.
"""

from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from market.auth.models import Household, User
from market.cycles.models import CyclePickup, CycleState, Offer, OrderCycle
from market.cycles.offers import withdraw
from market.extensions import db
from market.ledger.builders import (
    order_version_key,
    post_order_cancelled,
    post_order_changed,
    post_order_placed,
)
from market.orders import cart, paying, stock
from market.orders.errors import (
    CycleNotOpen,
    OrderConflict,
    OrderRefused,
    PointFull,
    SoldOut,
)
from market.orders.models import Order, OrderLine, OrderStatus
from market.orders.notify import order_event, tell_household
from market.rowlock import lock_row


def require_open(cycle: OrderCycle, now: datetime) -> None:
    if cycle.state(now) != CycleState.OPEN:
        raise CycleNotOpen(
            _l(
                "Orders for « %(name)s » are closed: this order can no longer change.",
                name=cycle.name,
            )
        )


def order_reference(cycle: OrderCycle, number: int) -> str:
    """12-042: the cycle's number and the order's in it. Unique forever (two cycles of one
    week, or the same week a year later, have different numbers), short to say aloud; the
    pickup screen finds an order by its number in the cycle alone ("42")."""
    return f"{cycle.id}-{number:03d}"


def pickup_of(cycle: OrderCycle, pickup_id) -> CyclePickup:
    for pickup in cycle.pickups:
        if str(pickup.id) == str(pickup_id):
            return pickup
    raise OrderRefused(_l("Choose one of this cycle's collection points."))


def ledger_lines(order: Order) -> list[tuple[int, int, int]]:
    if order.is_cancelled:
        return []
    return [(line.producer_id, line.amount_cents, line.vat_basis_points) for line in order.lines]


def household_of(user: User) -> int:
    """The household a user orders for: the views let only household accounts order."""
    if user.household_id is None:
        raise LookupError(f"user {user.id} belongs to no household")
    return user.household_id


@cache
def household_order_query() -> Select:
    """Built once: the cart page asks it. Its lines load if they are used (neither the cart
    nor the orders page use them)."""
    return select(Order).where(
        Order.household_id == bindparam("household_id"), Order.cycle_id == bindparam("cycle_id")
    )


@cache
def household_order_id_query() -> Select:
    """Built once: each checkout asks it."""
    return select(Order.id).where(
        Order.household_id == bindparam("household_id"), Order.cycle_id == bindparam("cycle_id")
    )


def household_order(household_id: int, cycle_id: int) -> Order | None:
    return db.session.scalar(
        household_order_query(), {"household_id": household_id, "cycle_id": cycle_id}
    )


def locked_order(order_id: int) -> Order:
    """The order under its row lock, read again with its lines: as the last request left it."""
    lock_row(Order, order_id)
    query = (
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.id == order_id)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(query).one()


def locked_household_order(household_id: int, cycle_id: int) -> Order | None:
    """The household's order in the cycle under its row lock, if it has one."""
    order_id = db.session.scalar(
        household_order_id_query(), {"household_id": household_id, "cycle_id": cycle_id}
    )
    return locked_order(order_id) if order_id is not None else None


def line_from(offer: Offer, quantity: int) -> OrderLine:
    """A line that freezes the offer's terms as they are now."""
    product = offer.product
    return OrderLine(
        offer_id=offer.id,
        product_id=product.id,
        producer_id=product.producer_id,
        product_name=product.name,
        unit=product.unit,
        size=product.size,
        quantity=quantity,
        unit_price_cents=offer.price_cents,
        vat_basis_points=product.vat_basis_points,
        sold_by_weight=product.sold_by_weight,
        estimated_weight_grams=product.estimated_weight_grams,
    )


def apply_quantities(order: Order, wanted: dict[int, int], offers: dict[int, Offer]) -> None:
    """Bring each line to its wanted quantity (0 removes it), moving stock atomically.

    Stock moves first, in offer order, so that two orders sharing offers queue on their rows
    instead of deadlocking; the lines change after, to be written together in one flush.
    """
    lines = {line.offer_id: line for line in order.lines}
    sold_out = []
    for offer_id in sorted(wanted):
        line = lines.get(offer_id)
        delta = wanted[offer_id] - (line.quantity if line else 0)
        if delta > 0 and not stock.reserve(offer_id, delta):
            sold_out.append(offers[offer_id].product.name)
        elif delta < 0:
            stock.release(offer_id, -delta)
    if sold_out:
        raise SoldOut(
            _l(
                "Sold out (épuisé), or not enough left: %(names)s. Nothing was "
                "changed; lower the quantity or choose another product.",
                names=", ".join(sold_out),
            )
        )
    for offer_id, quantity in wanted.items():
        line = lines.get(offer_id)
        if line is None and quantity:
            order.lines.append(line_from(offers[offer_id], quantity))
        elif line is not None and quantity:
            line.quantity = quantity
        elif line is not None:
            order.lines.remove(line)


def cart_line(item) -> OrderLine:
    """A cart item priced as the line it would become."""
    return line_from(item.offer, item.quantity)


def offers_of(cycle: OrderCycle, offer_ids) -> dict[int, Offer]:
    query = select(Offer).options(joinedload(Offer.product)).where(Offer.id.in_(list(offer_ids)))
    return checked_offers(
        cycle, offer_ids, {offer.id: offer for offer in db.session.scalars(query)}
    )


def checked_offers(cycle: OrderCycle, items, offers: dict[int, Offer]) -> dict[int, Offer]:
    """The offers of these ids, each of this cycle, or a refusal."""
    for offer_id in items:
        offer = offers.get(offer_id)
        if offer is None or offer.cycle_id != cycle.id:
            raise OrderRefused(_l("This product is not on sale in the current cycle."))
    return offers


def check_payment(order: Order) -> None:
    """The chosen way of paying accepts the order as posted."""
    paying.provider_for(order.payment_choice).accept(order)


def place(
    user: User,
    cycle: OrderCycle,
    now: datetime,
    *,
    items: dict[int, int],
    pickup_id,
    payment: str,
    submission: str | None = None,
    offers: dict[int, Offer] | None = None,
) -> Order:
    """Order these offers; ordering again in the same cycle adds to the existing order.

    `offers` may give the offers already loaded in this transaction (with their products),
    e.g. by the cart. The rows everyone orders (stock, places, the order numbers, the
    ledger's chain head) are locked as late as possible and in that order, and the ledger
    posting comes last, so each lock is held for as short a time as the work allows.
    """
    require_open(cycle, now)
    lock_row(Household, household_of(user))  # the household's one order in the cycle
    return place_locked(
        user,
        cycle,
        items=items,
        pickup_id=pickup_id,
        payment=payment,
        submission=submission,
        offers=offers,
    )


def place_locked(
    user: User,
    cycle: OrderCycle,
    *,
    items: dict[int, int],
    pickup_id,
    payment: str,
    submission: str | None,
    offers: dict[int, Offer] | None,
) -> Order:
    """place() once the household is locked."""
    household_id = household_of(user)
    order = locked_household_order(household_id, cycle.id)
    if order is not None and submission and order.last_submission == submission:
        return order  # the same form sent twice: applied once
    if not items:
        raise OrderRefused(_l("Your cart is empty."))
    pickup = pickup_of(cycle, pickup_id)
    offers = checked_offers(cycle, items, offers) if offers else offers_of(cycle, items)
    for offer in offers.values():
        if not offer.on_sale:
            raise OrderRefused(_l("« %(name)s » is no longer on sale.", name=offer.product.name))
    first = order is None or order.is_cancelled
    if order is None or order.is_cancelled:
        order = new_order(order, cycle, household_id, pickup)
        old_lines = []
    else:
        old_lines = ledger_lines(order)
        move_pickup(order, pickup)
        order.version += 1
    order.payment_choice = payment
    order.last_submission = submission
    current = {line.offer_id: line.quantity for line in order.lines}
    apply_quantities(
        order,
        {offer_id: current.get(offer_id, 0) + quantity for offer_id, quantity in items.items()},
        offers,
    )
    db.session.flush()
    # Adding to an order already placed changes it: no second confirmation.
    order_event(order, "order_confirmation" if first else "order_changed")
    post_money(order, old_lines)
    check_payment(order)
    return order


def checkout(
    user: User, cycle: OrderCycle, now: datetime, *, pickup_id, payment: str, submission: str | None
) -> Order:
    """Order what the household's cart holds, which empties it.

    The household is locked before the cart is read: a checkout sent twice finds the cart
    the first emptied, and the same form's copy gets the order it made."""
    require_open(cycle, now)
    household_id = household_of(user)
    lock_row(Household, household_id)
    items = cart.items(household_id, cycle)
    if not items:
        order = locked_household_order(household_id, cycle.id)
        if order is not None and submission and order.last_submission == submission:
            return order
        raise OrderRefused(_l("Your cart is empty."))
    cart.empty(household_id)
    return place_locked(
        user,
        cycle,
        items={item.offer_id: item.quantity for item in items},
        offers={item.offer_id: item.offer for item in items},
        pickup_id=pickup_id,
        payment=payment,
        submission=submission,
    )


def new_order(
    cancelled: Order | None,
    cycle: OrderCycle,
    household_id: int,
    pickup: CyclePickup,
    *,
    place_taken: bool = False,
) -> Order:
    """A household's order in the cycle, new or revived; `place_taken` when the caller has
    already taken its place at the collection point (stock.take_place)."""
    if not place_taken and not stock.take_place(pickup.id):
        raise PointFull(
            _l(
                "%(point)s is full for this cycle: choose another collection point.",
                point=pickup.collection_point.name,
            )
        )
    if cancelled is not None:
        # A cancelled order comes back to life with its number, under a new version.
        cancelled.status, cancelled.cancelled_at = OrderStatus.PLACED, None
        cancelled.pickup_id = pickup.id
        cancelled.version += 1
        return cancelled
    number = stock.next_order_number(cycle.id)
    # No lines yet, said outright: adding the first ones then loads nothing.
    order = Order(
        cycle_id=cycle.id,
        household_id=household_id,
        pickup_id=pickup.id,
        number=number,
        reference=order_reference(cycle, number),
        version=1,
        lines=[],
    )
    db.session.add(order)
    return order


def move_pickup(order: Order, pickup: CyclePickup) -> None:
    if order.pickup_id == pickup.id:
        return
    if not stock.take_place(pickup.id):
        raise PointFull(
            _l(
                "%(point)s is full for this cycle: choose another collection point.",
                point=pickup.collection_point.name,
            )
        )
    stock.free_place(order.pickup_id)
    order.pickup_id = pickup.id


def post_money(order: Order, old_lines) -> None:
    key = order_version_key(order.id, order.version)
    new_lines = ledger_lines(order)
    if not old_lines and new_lines:
        post_order_placed(
            order.household_id, order.reference, new_lines, idempotency_key=key, order_id=order.id
        )
    elif old_lines and not new_lines:
        post_order_cancelled(
            order.household_id, order.reference, old_lines, idempotency_key=key, order_id=order.id
        )
    else:
        post_order_changed(
            order.household_id,
            order.reference,
            old_lines,
            new_lines,
            idempotency_key=key,
            order_id=order.id,
        )


def order_for_page(order_id: int) -> Order | None:
    """An order with what its page shows beside it: lines, cycle, pickups and points."""
    return (
        db.session.execute(order_page_query(), {"order_id": order_id}).unique().scalar_one_or_none()
    )


@cache
def order_page_query() -> Select:
    """Built once: every order page asks it. The order's pickup is one of its cycle's: read
    with them, it comes from the session's identity map, not from a second join. The cycle's
    pickups are few (its collection points): joined to the order's row, they cost no second
    query."""
    return (
        select(Order)
        .options(
            selectinload(Order.lines),
            joinedload(Order.cycle)
            .joinedload(OrderCycle.pickups)
            .joinedload(CyclePickup.collection_point),
        )
        .where(Order.id == bindparam("order_id"))
    )


def check_contract_lines(order: Order, quantities: dict[int, int]) -> None:
    """A contract's delivery stays as generated: an absence is declared on the contract."""
    for line in order.lines:
        if line.from_contract and quantities.get(line.offer_id, line.quantity) != line.quantity:
            raise OrderRefused(
                _l(
                    "« %(name)s » comes from your seasonal contract: declare an absence on "
                    "the contract instead of changing it here.",
                    name=line.product_name,
                )
            )


def change(
    user: User,
    order: Order,
    now: datetime,
    *,
    quantities: dict[int, int],
    pickup_id,
    submission: str | None = None,
) -> Order:
    """Set each line's quantity (0 removes it) and the collection point, until the cycle closes."""
    order = locked_order(order.id)
    require_open(order.cycle, now)
    if order.is_cancelled:
        raise OrderConflict(_l("This order is cancelled: order again from the shop."))
    if submission and order.last_submission == submission:
        return order
    lines = {line.offer_id for line in order.lines}
    check_contract_lines(order, quantities)
    if set(quantities) - lines:
        raise OrderRefused(
            _l("Add new products from the shop; here you can change what you ordered.")
        )
    old_lines = ledger_lines(order)
    order.version += 1
    move_pickup(order, pickup_of(order.cycle, pickup_id))
    apply_quantities(order, quantities, offers_of(order.cycle, quantities))
    order.last_submission = submission
    if not order.lines:
        return cancel(user, order, now, old_lines=old_lines)
    db.session.flush()
    post_money(order, old_lines)
    order_event(order, "order_changed")
    return order


def cancel(user: User, order: Order, now: datetime, *, old_lines=None) -> Order:
    """Cancel the order until its cycle closes; `old_lines` when `change` emptied it."""
    if old_lines is None:
        order = locked_order(order.id)
    require_open(order.cycle, now)
    if order.is_cancelled:
        raise OrderConflict(_l("This order is already cancelled."))
    if order.has_contract_lines:
        raise OrderRefused(
            _l(
                "This order holds a delivery of your seasonal contract: it cannot be "
                "cancelled. Remove your extras, or declare an absence on the contract."
            )
        )
    if old_lines is None:
        old_lines = ledger_lines(order)
        order.version += 1
    # The rows in the order placing locks them (the place, then stock by offer), so that a
    # cancellation and an order waiting on each other queue instead of deadlocking.
    stock.free_place(order.pickup_id)
    for line in sorted(order.lines, key=lambda line: line.offer_id):
        stock.release(line.offer_id, line.quantity)
        order.lines.remove(line)
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    db.session.flush()
    post_money(order, old_lines)
    order_event(order, "order_cancelled")
    return order


def household_orders(household_id: int) -> list[Order]:
    query = (
        select(Order)
        .options(
            selectinload(Order.lines),
            joinedload(Order.cycle),
            joinedload(Order.pickup).joinedload(CyclePickup.collection_point),
        )
        .where(Order.household_id == household_id)
        .order_by(Order.created_at.desc())
    )
    return list(db.session.scalars(query))


def previous_order(household_id: int, cycle: OrderCycle) -> Order | None:
    query = (
        select(Order)
        .join(Order.cycle)
        .options(selectinload(Order.lines))
        .where(
            Order.household_id == household_id,
            Order.cycle_id != cycle.id,
            Order.status == OrderStatus.PLACED.value,
            OrderCycle.opens_at < cycle.opens_at,
        )
        .order_by(OrderCycle.opens_at.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def repeat_previous(user: User, cycle: OrderCycle) -> tuple[int, list[str]]:
    """Fill the cart from the previous order with what is on sale now; name what is missing."""
    household_id = household_of(user)
    previous = previous_order(household_id, cycle)
    if previous is None:
        raise OrderRefused(_l("You have no earlier order to repeat."))
    query = (
        select(Offer)
        .options(joinedload(Offer.product))
        .where(
            Offer.cycle_id == cycle.id,
            Offer.product_id.in_([line.product_id for line in previous.lines]),
        )
    )
    on_sale = {offer.product_id: offer for offer in db.session.scalars(query) if offer.on_sale}
    added, missing = 0, []
    for line in previous.lines:
        offer = on_sale.get(line.product_id)
        if offer is None or offer.is_sold_out:
            missing.append(line.product_name)
            continue
        cart.add(household_id, offer, line.quantity)
        added += 1
    return added, missing


def orders_holding(offer_id: int) -> set[int]:
    """Ids of the placed orders with a line of this offer."""
    return set(
        db.session.scalars(
            select(OrderLine.order_id)
            .join(OrderLine.order)
            .where(OrderLine.offer_id == offer_id, Order.status == OrderStatus.PLACED.value)
        )
    )


def withdraw_offer(offer: Offer, reason: str, now: datetime) -> int:
    """Take an offer off sale, remove it from the orders that hold it and tell those
    households why; returns how many orders changed.

    The orders are locked before the offer, in the order placing takes them, and read again
    under their locks: a withdrawal sent twice changes them once."""
    holding = orders_holding(offer.id)
    for order_id in sorted(holding):
        lock_row(Order, order_id)
    lock_row(Offer, offer.id)
    db.session.refresh(offer)
    withdraw(offer, reason, now)
    # Ordered before the offer was locked: committed since, so locking them waits for no one.
    for order_id in sorted(orders_holding(offer.id) - holding):
        lock_row(Order, order_id)
    query = (
        select(Order)
        .join(OrderLine)
        .where(OrderLine.offer_id == offer.id, Order.status == OrderStatus.PLACED.value)
        .options(
            selectinload(Order.lines), joinedload(Order.household).selectinload(Household.users)
        )
        .order_by(Order.id)
        .execution_options(populate_existing=True)
    )
    changed = list(db.session.scalars(query).unique())
    for order in changed:
        remove_withdrawn(order, offer, now)
    return len(changed)


def remove_withdrawn(order: Order, offer: Offer, now: datetime) -> None:
    old_lines = ledger_lines(order)
    order.version += 1
    line = next(line for line in order.lines if line.offer_id == offer.id)
    stock.release(offer.id, line.quantity)
    order.lines.remove(line)
    if not order.lines:
        stock.free_place(order.pickup_id)
        order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    db.session.flush()
    post_money(order, old_lines)
    tell_household(
        order,
        "offer_withdrawn",
        f"v{order.version}",
        product=line.product_name,
        reason=offer.withdrawal_reason,
    )
