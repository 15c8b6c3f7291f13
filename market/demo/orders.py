"""Demo orders: the demo producers' products on offer in both demo cycles, and about forty
households ordering in the open one (and some in last week's, while it was open)."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from market.auth.models import Household, Role, User
from market.auth.passwords import hash_password
from market.catalog.models import Producer, ProducerStatus, Product
from market.cycles.models import Offer, OrderCycle
from market.extensions import db
from market.orders import services as orders
from market.orders.models import Order

FAMILY_NAMES = [
    "Etchegaray",
    "Dufau",
    "Lasserre",
    "Darrigrand",
    "Larrouy",
    "Haramboure",
    "Labat",
    "Castaing",
    "Dupouy",
    "Lalanne",
    "Bordes",
    "Saubot",
    "Lafargue",
    "Ducasse",
    "Barrère",
    "Darracq",
    "Lacoste",
    "Hirigoyen",
    "Mendiondo",
    "Iriart",
    "Elissalde",
    "Garat",
    "Laborde",
    "Pecastaing",
    "Sallenave",
    "Duhalde",
    "Capdevielle",
    "Larrère",
    "Bergeron",
    "Lartigau",
    "Sarraute",
    "Dabadie",
    "Marsan",
    "Tauzin",
    "Lesbats",
    "Cazenave",
    "Pédebernade",
    "Barbe",
    "Larrieu",
]
# Where the demo households live: most in the two larger communes.
COMMUNES = [
    "Tarnos",
    "Ondres",
    "Tarnos",
    "Saint-Martin-de-Seignanx",
    "Ondres",
    "Tarnos",
    "Saint-André-de-Seignanx",
    "Ondres",
    "Biarrotte",
    "Tarnos",
    "Biaudos",
    "Saint-Martin-de-Seignanx",
]
OPEN_CYCLE_ORDERS = len(FAMILY_NAMES)
CLOSED_CYCLE_ORDERS = 24


def seed_offers(cycle: OrderCycle) -> None:
    """Every active product of an approved producer, some with a cap."""
    if db.session.scalar(select(Offer.id).where(Offer.cycle_id == cycle.id).limit(1)):
        return
    query = (
        select(Product)
        .join(Product.producer)
        .where(Product.active, Producer.status == ProducerStatus.APPROVED.value)
        .order_by(Product.id)
    )
    for index, product in enumerate(db.session.scalars(query)):
        db.session.add(
            Offer(
                cycle=cycle,
                product=product,
                price_cents=product.price_cents,
                cap=40 if index % 4 == 0 else None,
                ordered_quantity=0,
            )
        )
    db.session.flush()


def seed_households(password: str) -> list[User]:
    """One household per family name, sharing the demo password (hashed once)."""
    existing = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.email.like("famille-%@marche-seignanx.example"))
        )
    }
    password_hash = None
    users = []
    for index, family in enumerate(FAMILY_NAMES):
        email = f"famille-{index + 1:02d}@marche-seignanx.example"
        if email not in existing:
            password_hash = password_hash or hash_password(password)
            existing[email] = User(
                email=email,
                name=f"Famille {family}",
                phone=f"06 12 00 {index:02d} 00",
                password_hash=password_hash,
                role=Role.HOUSEHOLD,
                household=Household(name=f"Famille {family}", town=COMMUNES[index % len(COMMUNES)]),
            )
            db.session.add(existing[email])
        users.append(existing[email])
    db.session.flush()
    return users


def seed_orders(
    cycle: OrderCycle,
    users: list[User],
    rng: random.Random,
    *,
    uncapped: bool = False,
    dated: bool = False,
) -> int:
    """Each user orders a few products, placed as if during the cycle's opening days; many
    generated households choose among uncapped offers, so that none runs out."""
    query = select(Offer).where(Offer.cycle_id == cycle.id).order_by(Offer.id)
    if uncapped:
        query = query.where(Offer.cap.is_(None))
    offers = list(db.session.scalars(query))
    when = cycle.opens_at + timedelta(hours=2)
    placed = 0
    for user in users:
        # Generated households beyond the points' capacity do not order: the demo stays true.
        for pickup in cycle.pickups:  # placing counts in the database, not on these objects
            db.session.refresh(pickup, ["orders_count"])
        pickups = [pickup for pickup in cycle.pickups if not pickup.is_full]
        if not pickups:
            break
        chosen = rng.sample(offers, k=min(len(offers), rng.randint(3, 7)))
        pickup = rng.choice(pickups)
        order = orders.place(
            user,
            cycle,
            when,
            pickup_id=pickup.id,
            payment="pickup",
            items={offer.id: rng.randint(1, 3) for offer in chosen},
        )
        if dated:  # placed in the cycle's first hours, as the demo tells it, not today
            order.created_at = order.updated_at = when
        placed += 1
    return placed


def seed_demo_orders(password: str) -> int:
    """Offers in the two demo cycles and their orders; nothing when orders already exist."""
    cycles = list(
        reversed(
            db.session.scalars(
                select(OrderCycle).order_by(OrderCycle.opens_at.desc()).limit(2)
            ).all()
        )
    )
    for cycle in cycles:
        seed_offers(cycle)
    if len(cycles) < 2 or db.session.scalar(select(func.count()).select_from(Order)):
        return 0
    users = seed_households(password)
    rng = random.Random(48)  # the same demo every time
    closed, current = cycles
    return seed_orders(closed, users[:CLOSED_CYCLE_ORDERS], rng, dated=True) + seed_orders(
        current, users[:OPEN_CYCLE_ORDERS], rng, dated=True
    )


def seed_scale(households: int, ordering: int, password: str) -> int:
    """Generated households for benchmarks (idempotent by email); the first `ordering` of them
    order in the latest cycle. Returns how many orders were placed."""
    cycle = db.session.scalar(select(OrderCycle).order_by(OrderCycle.opens_at.desc()).limit(1))
    if not households or cycle is None:
        return 0
    existing = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.email.like("foyer-%@generated.example"))
        )
    }
    password_hash = hash_password(password) if len(existing) < households else None
    users = []
    for n in range(households):
        email = f"foyer-{n + 1:05d}@generated.example"
        if email not in existing:
            existing[email] = User(
                email=email,
                name=f"Foyer {n + 1}",
                password_hash=password_hash,
                role=Role.HOUSEHOLD,
                household=Household(name=f"Foyer {n + 1}"),
            )
            db.session.add(existing[email])
        users.append(existing[email])
    db.session.flush()
    ordered = set(db.session.scalars(select(Order.household_id).where(Order.cycle_id == cycle.id)))
    waiting = [user for user in users[:ordering] if user.household_id not in ordered]
    return seed_orders(cycle, waiting, random.Random(households), uncapped=True)
