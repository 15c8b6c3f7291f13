"""What the shop shows: the open cycle's offers on sale, filtered, in a fixed number of queries."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market.catalog.models import LABELS, Category, Producer, Product
from market.cycles.models import Offer, OrderCycle
from market.extensions import db
from market.numbers import identifier


@dataclass(frozen=True)
class ShopFilters:
    category_id: int | None = None
    producer_id: int | None = None
    label: str | None = None
    search: str = ""

    @classmethod
    def from_args(cls, args) -> "ShopFilters":
        label = args.get("label") or None
        return cls(
            identifier(args.get("category")),
            identifier(args.get("producer")),
            label if label in LABELS else None,
            (args.get("q") or "").strip()[:80],
        )


def offers_on_sale(cycle: OrderCycle, filters: ShopFilters = ShopFilters()) -> list[Offer]:
    # In the order of the hub's categories (those without one last), then by name: the
    # shop reads like a market's stalls.
    query = (
        select(Offer)
        .join(Offer.product)
        .join(Product.producer)
        .outerjoin(Product.category)
        .options(
            joinedload(Offer.product).joinedload(Product.producer),
            joinedload(Offer.product).joinedload(Product.category),
        )
        .where(
            Offer.cycle_id == cycle.id,
            Offer.confirmed,
            Offer.withdrawn_at.is_(None),
            Product.active,
        )
        .order_by(Category.id.is_(None), Category.position, Category.name, Product.name)
    )
    if filters.category_id:
        query = query.where(Product.category_id == filters.category_id)
    if filters.producer_id:
        query = query.where(Product.producer_id == filters.producer_id)
    if filters.search:
        query = query.where(Product.name.ilike(f"%{filters.search}%"))
    offers = list(db.session.scalars(query).unique())
    if filters.label:
        offers = [
            offer
            for offer in offers
            if filters.label in (offer.product.labels or ())
            or filters.label in (offer.product.producer.labels or ())
        ]
    return offers


def by_category(offers: list[Offer]) -> list[tuple[Category | None, list[Offer]]]:
    """The offers, already in category order, in one group per category."""
    groups: list[tuple[Category | None, list[Offer]]] = []
    for offer in offers:
        category = offer.product.category
        if not groups or groups[-1][0] is not category:
            groups.append((category, []))
        groups[-1][1].append(offer)
    return groups


def filter_choices(cycle: OrderCycle) -> dict:
    """Categories and producers that have something on sale in the cycle."""
    on_sale = (
        select(Product.id)
        .join(Offer, Offer.product_id == Product.id)
        .where(Offer.cycle_id == cycle.id, Offer.confirmed, Offer.withdrawn_at.is_(None))
    )
    categories = db.session.scalars(
        select(Category)
        .where(Category.id.in_(select(Product.category_id).where(Product.id.in_(on_sale))))
        .order_by(Category.position, Category.name)
    ).all()
    producers = db.session.scalars(
        select(Producer)
        .where(Producer.id.in_(select(Product.producer_id).where(Product.id.in_(on_sale))))
        .order_by(Producer.name)
    ).all()
    return {"categories": categories, "producers": producers, "labels": LABELS}
