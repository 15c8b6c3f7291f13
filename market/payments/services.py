"""What an order has paid and still owes, payments at pickup, and money after a change.

"Paid" is read from the ledger: the payment and refund transactions that name the order (by
its id), whatever recorded them (the pickup screen, Stripe webhooks, this module).
"""

from functools import cache
from uuid import uuid4

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select

from market.auth.models import User
from market.extensions import db
from market.ledger.accounts import household_key
from market.ledger.builders import post_payment_received
from market.ledger.statements import account_balance, order_paid_and_balance, paid_by_order
from market.orders.models import Order, PaymentChoice
from market.orders.services import locked_order
from market.payments import stripe_checkout
from market.payments.errors import PaymentRefused
from market.payments.models import Payment, PaymentStatus

# Ways a volunteer takes money at pickup, as the ledger names them.
PICKUP_METHODS = {
    "cash": _l("Cash"),
    "cheque": _l("Cheque"),
    "card": _l("Card terminal"),
    "transfer": _l("Bank transfer"),
}
METHOD_LABELS = {**PICKUP_METHODS, "stripe": _l("Card, online")}
STATUS_LABELS = {
    PaymentStatus.PENDING.value: _l("waiting for confirmation"),
    PaymentStatus.PAID.value: _l("paid"),
    PaymentStatus.FAILED.value: _l("refused by the bank"),
    PaymentStatus.EXPIRED.value: _l("not paid (expired)"),
    PaymentStatus.UNAVAILABLE.value: _l("not started (online payment unavailable)"),
}


def paid_cents(order: Order) -> int:
    """Money received for the order less money given back, as the ledger has it."""
    return paid_by_order([order.id]).get(order.id, 0)


def due_cents(order: Order, paid: int | None = None) -> int:
    """What is still to pay for the order, knowing what is paid when the caller does.

    From credit, the household's account already carries the order: only what its credit
    does not cover (a positive balance) is due.
    """
    if paid is None:
        paid = paid_cents(order)
    if order.payment_choice != PaymentChoice.CREDIT:
        return still_due(order, paid, 0)
    return still_due(order, paid, account_balance(household_key(order.household_id)))


def still_due(order: Order, paid: int, balance: int) -> int:
    """`due_cents` knowing what is paid and the household's balance (debit positive)."""
    unpaid = max(0, order.totals.total_cents - paid)
    if order.payment_choice == PaymentChoice.CREDIT:
        return min(unpaid, max(0, balance))
    return unpaid


def order_payments(order: Order) -> list[Payment]:
    return list(db.session.scalars(order_payments_query(), {"order_id": order.id}))


@cache
def order_payments_query() -> Select:
    """Built once: every order page asks it."""
    return select(Payment).where(Payment.order_id == bindparam("order_id")).order_by(Payment.id)


def summary(order: Order) -> dict:
    """What the order page shows about money; the success page too."""
    payments = order_payments(order)
    rows = [
        {
            "payment": payment,
            "method": METHOD_LABELS.get(payment.method, payment.method),
            "status": STATUS_LABELS.get(payment.status, payment.status),
        }
        for payment in payments
    ]
    paid, balance = order_paid_and_balance(order.id, order.household_id)
    due = still_due(order, paid, balance)
    return {
        "total": order.totals.total_cents,
        "paid": paid,
        "due": due,
        "rows": rows,
        "is_paid": due == 0,
        "credit_covers": due > 0 and balance <= 0,  # as credit_covers(order) says
        "waiting": any(
            payment.status == PaymentStatus.PENDING and payment.stripe_session_id
            for payment in payments
        ),
    }


def require_credit_covers(order: Order) -> None:
    """Refuse to let credit pay an order the household's credit does not cover."""
    if account_balance(household_key(order.household_id)) > 0:
        raise PaymentRefused(
            _l(
                "Your credit does not cover this order: choose to pay at "
                "pickup, or top up your credit first."
            )
        )


def credit_covers(order: Order) -> bool:
    """The household's account owes nothing: its credit already covers this order too."""
    return account_balance(household_key(order.household_id)) <= 0


def pay_from_credit(order: Order) -> Order:
    """Pay what an order owes from the household's credit (e.g. after the order grew).

    Nothing is posted: the order's postings already debited the household's account, so
    choosing credit only says that its balance, not a new payment, settles the order.
    """
    order = locked_order(order.id)
    if order.is_cancelled:
        raise PaymentRefused(_l("This order is cancelled: there is nothing to pay."))
    require_credit_covers(order)
    order.payment_choice = PaymentChoice.CREDIT.value
    db.session.flush()
    return order


def record_pickup_payment(
    order: Order, amount_cents: int, method: str, recorded_by: User, key: str | None = None
) -> Payment:
    """A payment taken at pickup (cash, cheque, card terminal, transfer), posted by method.

    `key` identifies the recording (the form's submission token), so a form sent twice
    records one payment.
    """
    if method not in PICKUP_METHODS:
        raise PaymentRefused(_l("Choose how the household paid."))
    if type(amount_cents) is not int or amount_cents <= 0:
        raise PaymentRefused(_l("The amount must be more than zero."))
    order = locked_order(order.id)
    if order.is_cancelled:
        raise PaymentRefused(_l("This order is cancelled: there is nothing to pay."))
    key = f"pickup:{order.id}:{key or uuid4().hex}"
    existing = db.session.scalar(select(Payment).where(Payment.recording_key == key))
    if existing is not None:
        return existing
    post_payment_received(
        order.household_id,
        amount_cents,
        method,
        order.reference,
        idempotency_key=key,
        order_id=order.id,
    )
    payment = Payment(
        order_id=order.id,
        household_id=order.household_id,
        provider="pickup",
        method=method,
        amount_cents=amount_cents,
        order_version=order.version,
        status=PaymentStatus.PAID,
        recorded_by_id=recorded_by.id,
        recording_key=key,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def refund_policy() -> str:
    policy = current_app.config.get("HUB_REFUND_POLICY", "credit")
    return policy if policy in ("card", "credit") else "credit"


def settle_overpayment(order: Order) -> int:
    """After a paid order shrinks or is cancelled: refund to the card, or leave it as credit.

    With the "credit" policy nothing is posted: the order's own posting (order.changed or
    order.cancelled) has already credited the household's account with the difference. With
    "card", what was paid online beyond the new total goes back to the card, newest payment
    first. Returns the cents refunded.
    """
    over = paid_cents(order) - (0 if order.is_cancelled else order.totals.total_cents)
    if over <= 0 or refund_policy() != "card":
        return 0
    refunded = 0
    for payment in reversed(order_payments(order)):
        room = payment.amount_cents - payment.refunded_cents
        if payment.provider != "stripe" or not payment.is_paid or room <= 0:
            continue
        amount = min(room, over - refunded)
        stripe_checkout.refund(payment, amount, f"v{order.version}-{amount}")
        refunded += amount
        if refunded == over:
            break
    return refunded


def online_payment_for(order: Order) -> tuple[Payment, str | None]:
    """The Checkout Session the household should pay the order with now, and its address
    when it is open already; without one, the payment to open it for (flushed, not yet
    asked of Stripe).

    One request at a time per order: "pay" sent six times at once gives one session. A
    session of an earlier amount still open is expired first, so that no two can be paid."""
    order = locked_order(order.id)
    if order.is_cancelled:
        raise PaymentRefused(_l("This order is cancelled: there is nothing to pay."))
    pending = stripe_checkout.pending_payments(order)
    still_open = stripe_checkout.refresh(pending)  # a late payment counts from here
    due = due_cents(order)
    current = (due, order.version)
    reusable = None
    for payment, url in still_open:
        if reusable is None and (payment.amount_cents, payment.order_version) == current:
            reusable = (payment, url)
        else:
            stripe_checkout.expire(payment)
    if reusable is not None:
        return reusable
    # Written, but its session not recorded yet (its request is still with Stripe, or was cut
    # off): opened again with the same idempotency key, Stripe gives the same session.
    waiting = next(
        (
            payment
            for payment in pending
            if payment.stripe_session_id is None
            and (payment.amount_cents, payment.order_version) == current
        ),
        None,
    )
    return (waiting or stripe_checkout.new_payment(order, due)), None
