"""The demo's seasonal contracts: a weekly vegetable basket and eggs every other week, with
households subscribed, so a newcomer sees both ways of ordering side by side."""

from datetime import timedelta

from sqlalchemy import select

from market.auth.models import User
from market.catalog.models import Category, Producer, Product
from market.cycles.models import OrderCycle
from market.demo.catalog import DEMO_PRODUCER
from market.extensions import db
from market.subscriptions import services as subscriptions
from market.subscriptions.models import Contract, PaymentTerms
from market.timeutil import to_hub_time, utcnow

BASKET = "Panier de légumes de saison"
VEGETABLE_SUBSCRIBERS = 6
EGG_SUBSCRIBERS = 4


def basket_product(farm: Producer) -> Product:
    product = db.session.scalar(
        select(Product).where(Product.producer_id == farm.id, Product.name == BASKET)
    )
    if product is None:
        category = db.session.scalar(select(Category).where(Category.name == "légumes"))
        product = Product(
            producer=farm,
            name=BASKET,
            category=category,
            unit="piece",
            size="5 à 7 légumes",
            price_cents=1500,
            vat_basis_points=550,
            labels=["ab"],
            description="Les légumes de la semaine, selon la saison et la récolte.",
        )
        db.session.add(product)
        db.session.flush()
    return product


def seed_subscriptions() -> int:
    """Two contracts from the open cycle's pickup day, and their subscribers; nothing when a
    contract exists. Returns how many subscriptions were made."""
    if db.session.scalar(select(Contract.id).limit(1)) is not None:
        return 0
    now = utcnow()
    cycle = db.session.scalar(
        select(OrderCycle)
        .where(OrderCycle.published_at.is_not(None), OrderCycle.closes_at > now)
        .order_by(OrderCycle.opens_at)
        .limit(1)
    )
    farm = db.session.scalar(select(Producer).where(Producer.name == DEMO_PRODUCER))
    hens = db.session.scalar(select(Producer).where(Producer.name == "Les Poules du Seignanx"))
    if cycle is None or not cycle.pickups or farm is None or hens is None:
        return 0
    eggs = db.session.scalar(
        select(Product).where(Product.producer_id == hens.id, Product.unit == "dozen")
    )
    if eggs is None:
        return 0
    first = to_hub_time(cycle.pickups[0].starts_at).date()
    points = [pickup.collection_point_id for pickup in cycle.pickups]
    vegetables = subscriptions.create_contract(
        farm,
        basket_product(farm),
        name="Panier de légumes — saison",
        quantity=1,
        unit_price_cents=1500,
        every_cycles=1,
        first_delivery=first,
        last_delivery=first + timedelta(weeks=25),
        point_ids=points,
        cap=30,
        absences_allowed=4,
        payment_terms=PaymentTerms.INSTALMENTS.value,
        instalments=6,
    )
    egg_contract = subscriptions.create_contract(
        hens,
        eggs,
        name="Œufs plein air — une douzaine tous les quinze jours",
        quantity=1,
        unit_price_cents=eggs.price_cents,
        every_cycles=2,
        first_delivery=first,
        last_delivery=first + timedelta(weeks=24),
        point_ids=points,
        absences_allowed=2,
    )
    households = list(
        db.session.scalars(
            select(User)
            .where(User.role == "household", User.email.like("%@marche-seignanx.example"))
            .order_by(User.id)
        )
    )
    coordinator = db.session.scalar(
        select(User).where(User.role == "coordinator").order_by(User.id).limit(1)
    )
    made = 0
    for index, user in enumerate(households):
        if user.household_id is None:
            continue
        point = points[index % len(points)]
        if index < VEGETABLE_SUBSCRIBERS:
            basket = subscriptions.subscribe(user.household_id, vegetables, point, now)
            if coordinator is not None and index < VEGETABLE_SUBSCRIBERS - 2:
                # Most handed in their first cheque; two have not yet.
                subscriptions.record_instalment(basket.instalments[0], "cheque", coordinator, now)
            made += 1
        if index < EGG_SUBSCRIBERS:
            subscriptions.subscribe(user.household_id, egg_contract, point, now)
            made += 1
    return made
