"""Demo movements beside the orders: last week's orders paid at pickup, a credit top-up, a
payout to a producer and an adjustment.

Idempotent: every posting has a fixed idempotency key, so running the demo again posts nothing.
"""

from sqlalchemy import select

from market.auth.models import User
from market.cycles.models import OrderCycle
from market.extensions import db
from market.ledger import builders
from market.ledger.accounts import producer_key
from market.ledger.posting import transaction_by_key
from market.ledger.statements import account_balance
from market.orders.models import Order, OrderStatus

METHODS = ("cash", "cheque", "transfer")
DEMO_HOUSEHOLD_EMAIL = "famille@marche-seignanx.example"
DEMO_PRODUCER_EMAIL = "producteur@marche-seignanx.example"
PAYOUT_KEY = "demo:payout-1"


def last_week_orders() -> list[Order]:
    closed = db.session.scalar(
        select(OrderCycle).order_by(OrderCycle.opens_at.desc()).offset(1).limit(1)
    )
    if closed is None:
        return []
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.cycle_id == closed.id, Order.status == OrderStatus.PLACED.value)
            .order_by(Order.number)
        )
    )


def post_demo_payment(order: Order, method: str) -> None:
    """The order paid in full at pickup; its key is fixed, so the demo posts it once."""
    builders.post_payment_received(
        order.household_id,
        order.totals.total_cents,
        method,
        order.reference,
        f"demo:payment:{order.reference}",
        order_id=order.id,
    )


def seed_ledger() -> int:
    """Post the demo movements; returns how many postings were asked for."""
    postings = 0
    for index, order in enumerate(last_week_orders()):
        if transaction_by_key(f"demo:payment:{order.reference}"):
            continue  # seeded already, perhaps by an earlier version of the demo
        post_demo_payment(order, METHODS[index % len(METHODS)])
        postings += 1
    household = db.session.scalar(select(User).where(User.email == DEMO_HOUSEHOLD_EMAIL))
    if household is not None and household.household_id:
        builders.post_credit_topup(
            household.household_id, 5000, "cheque", "Chèque n°0012345", "demo:topup-1"
        )
        postings += 1
    farmer = db.session.scalar(select(User).where(User.email == DEMO_PRODUCER_EMAIL))
    # Paid once, what the farm was owed then; later demo orders do not change that payout.
    if farmer is not None and farmer.producer_id and not transaction_by_key(PAYOUT_KEY):
        owed = -account_balance(producer_key(farmer.producer_id))
        if owed > 0:
            builders.post_payout(farmer.producer_id, owed, "VIR-DEMO-0001", PAYOUT_KEY)
            postings += 1
    return postings
