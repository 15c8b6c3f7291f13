"""Demo movements in the ledger: a few realistic orders, payments, a payout, an adjustment.

Idempotent: every posting has a fixed idempotency key, so running the demo again posts nothing.
"""

from sqlalchemy import select

from market.auth.models import Household, User
from market.catalog.models import Producer
from market.extensions import db
from market.ledger import builders

DEMO_PRODUCERS = ("Ferme Lafitte", "Miellerie de la Pointe")
DEMO_HOUSEHOLDS = ("Famille Etcheverry", "Famille Dufau")
DEMO_PRODUCER_EMAIL = "producteur@marche-seignanx.example"


def producer_named(name: str) -> Producer:
    producer = db.session.execute(select(Producer).where(Producer.name == name)).scalars().first()
    if producer is None:
        producer = Producer(name=name)
        db.session.add(producer)
        db.session.flush()
    return producer


def household_named(name: str) -> Household:
    household = db.session.execute(
        select(Household).where(Household.name == name)).scalars().first()
    if household is None:
        household = Household(name=name)
        db.session.add(household)
        db.session.flush()
    return household


def demo_farm() -> Producer:
    """The demo producer log-in's farm (made by the catalogue's demo when there is one)."""
    user = db.session.execute(select(User).where(
        User.email == DEMO_PRODUCER_EMAIL)).scalar_one_or_none()
    if user is not None and user.producer is not None:
        return user.producer
    producer = producer_named(DEMO_PRODUCERS[0])
    if user is not None:
        user.producer = producer
    return producer


def seed_ledger() -> int:
    """Post the demo movements; returns how many transactions the ledger holds for them."""
    lafitte, ruches = demo_farm(), producer_named(DEMO_PRODUCERS[1])
    etcheverry, dufau = (household_named(name) for name in DEMO_HOUSEHOLDS)
    first_order = [(lafitte.id, 1840, 550), (ruches.id, 950, 550)]
    second_order = [(lafitte.id, 1260, 550)]
    postings = [
        lambda: builders.post_order_placed(etcheverry.id, "demo-order-1", first_order, None,
                                           "demo:order-1"),
        lambda: builders.post_payment_received(etcheverry.id, 2790, "cash", "demo-order-1",
                                               "demo:payment-1"),
        lambda: builders.post_credit_topup(dufau.id, 5000, "cheque", "Chèque n°0012345",
                                           "demo:topup-1"),
        lambda: builders.post_order_placed(dufau.id, "demo-order-2", second_order, None,
                                           "demo:order-2"),
        lambda: builders.post_order_changed(dufau.id, "demo-order-2", second_order,
                                            [*second_order, (ruches.id, 780, 550)], None,
                                            "demo:order-2-changed"),
        lambda: builders.post_payout(lafitte.id, 2000, "VIR-DEMO-0001", "demo:payout-1"),
        lambda: builders.post_adjustment(f"household:{etcheverry.id}", 150,
                                         "Œufs cassés à la livraison", "demo:adjustment-1"),
    ]
    return len([posting() for posting in postings])
