"""The cart: on the server for a household, in the session for a visitor until they log in."""

from dataclasses import dataclass
from functools import cache

from flask import session
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, case, delete, select
from sqlalchemy.orm import joinedload

from market.catalog.models import Product
from market.cycles.models import Offer, OrderCycle
from market.extensions import db
from market.numbers import InvalidNumber, identifier, parse_whole_number
from market.orders.errors import CycleNotOpen, OrderRefused, SoldOut
from market.orders.models import CartItem
from market.pricing import line_amount
from market.upsert import Upsert, built_once, upsert_into

MAX_QUANTITY = 99
SESSION_KEY = "cart"


def parse_quantity(text, *, allow_zero: bool = False) -> int:
    """A whole number of units between 1 (or 0 to remove) and the most one line may hold."""
    lowest = 0 if allow_zero else 1
    try:
        return parse_whole_number(text, lowest=lowest, highest=MAX_QUANTITY)
    except InvalidNumber as error:
        raise OrderRefused(
            _l(
                "« %(text)s » is not a quantity: enter a whole number from %(lowest)d to %(most)d.",
                text=str(error)[:20],
                lowest=lowest,
                most=MAX_QUANTITY,
            )
        ) from None


@cache
def offer_query() -> Select:
    """An offer with its product, built once: each add asks it."""
    return select(Offer).options(joinedload(Offer.product)).where(Offer.id == bindparam("offer_id"))


def offer_for_sale(offer_id, cycle: OrderCycle | None) -> Offer:
    """An offer of the open cycle that is on sale and not sold out, or a precise refusal
    (checkout checks the stock again, as it takes it)."""
    if cycle is None:
        raise CycleNotOpen(_l("Orders are closed at the moment."))
    offer_id = identifier(offer_id)
    offer = db.session.scalar(offer_query(), {"offer_id": offer_id}) if offer_id else None
    if offer is None or offer.cycle_id != cycle.id:
        raise OrderRefused(_l("This product is not on sale in the current cycle."))
    if not offer.on_sale:
        raise OrderRefused(_l("« %(name)s » is no longer on sale.", name=offer.product.name))
    if offer.is_sold_out:
        raise SoldOut(_l("« %(name)s » is sold out.", name=offer.product.name))
    return offer


def visitor_cart() -> dict[str, int]:
    return dict(session.get(SESSION_KEY, {}))


def add_for_visitor(offer: Offer, quantity: int) -> None:
    cart = visitor_cart()
    cart[str(offer.id)] = min(cart.get(str(offer.id), 0) + quantity, MAX_QUANTITY)
    session[SESSION_KEY] = cart


@built_once
def add_statement() -> Upsert:
    """The cart's upsert: more of an offer already in the cart adds up, never beyond what
    one line may hold."""
    insert = upsert_into(CartItem.__table__).values(
        household_id=bindparam("household_id"),
        offer_id=bindparam("offer_id"),
        quantity=bindparam("quantity"),
    )
    more = CartItem.__table__.c.quantity + insert.excluded.quantity
    return insert.on_conflict_do_update(
        index_elements=["household_id", "offer_id"],
        set_={"quantity": case((more > MAX_QUANTITY, MAX_QUANTITY), else_=more)},
    )


def add(household_id: int, offer: Offer, quantity: int) -> None:
    """One statement: a new item, or more of one already in the cart (two tabs adding at
    once included), never more than one line may hold."""
    db.session.execute(
        add_statement(),
        {
            "household_id": household_id,
            "offer_id": offer.id,
            "quantity": min(quantity, MAX_QUANTITY),
        },
    )


def set_quantity(household_id: int, offer_id: int, quantity: int) -> None:
    """Change a quantity in place; zero removes the item."""
    item = db.session.scalar(
        select(CartItem).where(CartItem.household_id == household_id, CartItem.offer_id == offer_id)
    )
    if item is None:
        raise OrderRefused(_l("This product is not in your cart."))
    if quantity == 0:
        db.session.delete(item)
    else:
        item.quantity = quantity
    db.session.flush()


def items(household_id: int, cycle: OrderCycle | None) -> list[CartItem]:
    """The household's cart for this cycle, with offers and products loaded."""
    if cycle is None:
        return []
    return list(
        db.session.scalars(items_query(), {"household_id": household_id, "cycle_id": cycle.id})
    )


@cache
def items_query() -> Select:
    """Built once: the cart page and checkout ask it."""
    return (
        select(CartItem)
        .join(CartItem.offer)
        .options(joinedload(CartItem.offer).joinedload(Offer.product).joinedload(Product.producer))
        .where(
            CartItem.household_id == bindparam("household_id"),
            Offer.cycle_id == bindparam("cycle_id"),
        )
        .order_by(CartItem.id)
    )


@dataclass(frozen=True)
class Summary:
    """What the shop's cart bar says: how many units, for how much."""

    units: int = 0
    total_cents: int = 0


@cache
def priced_offers() -> Select:
    """What prices a cart's units: the cycle's offers and how their products are sold."""
    return (
        select(Offer.id, Offer.price_cents, Product.sold_by_weight, Product.estimated_weight_grams)
        .join(Offer.product)
        .where(Offer.cycle_id == bindparam("cycle_id"))
    )


@cache
def priced_cart() -> Select:
    """A household's cart, priced; built once: each add answers with it."""
    return (
        priced_offers()
        .add_columns(CartItem.quantity)
        .join(CartItem, CartItem.offer_id == Offer.id)
        .where(CartItem.household_id == bindparam("household_id"))
    )


def summary(household_id: int | None, cycle: OrderCycle) -> Summary:
    """The household's cart in this cycle, or the visitor's (household_id None), in one
    query."""
    if household_id is None:
        chosen = {int(offer_id): quantity for offer_id, quantity in visitor_cart().items()}
        if not chosen:
            return Summary()
        rows = db.session.execute(
            priced_offers().where(Offer.id.in_(chosen)), {"cycle_id": cycle.id}
        )
        quantities = [(chosen[row.id], row) for row in rows]
    else:
        rows = db.session.execute(
            priced_cart(), {"cycle_id": cycle.id, "household_id": household_id}
        )
        quantities = [(row.quantity, row) for row in rows]
    return Summary(
        sum(quantity for quantity, _row in quantities),
        sum(
            line_amount(row.price_cents, quantity, row.sold_by_weight, row.estimated_weight_grams)
            for quantity, row in quantities
        ),
    )


def empty(household_id: int) -> None:
    # Built each time: the session marks the items it holds as deleted by evaluating the
    # criteria, which a bound parameter's value would not reach.
    db.session.execute(delete(CartItem).where(CartItem.household_id == household_id))


def merge_visitor_cart(household_id: int, cycle: OrderCycle | None) -> int:
    """On log-in, what the visitor chose joins the household's cart; returns how many."""
    chosen = session.pop(SESSION_KEY, {})
    merged = 0
    for offer_id, quantity in chosen.items():
        try:
            add(household_id, offer_for_sale(offer_id, cycle), int(quantity))
        except OrderRefused:
            continue
        merged += 1
    return merged
