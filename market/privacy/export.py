"""Everything the hub holds about a household, as one JSON document (RGPD art. 15 and 20).

A bounded number of queries whatever the household's history: its people, its orders with
their lines, points and cycles, its payments, its cart, its statement, the messages sent to
its people and their log-in attempts.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from market.auth.models import Household, LoginAttempt, User
from market.cycles.models import CyclePickup, Offer
from market.extensions import db
from market.ledger.accounts import account_by_key, household_key
from market.ledger.statements import statement
from market.mail.models import OutboxMessage
from market.orders.models import CartItem, Order
from market.payments.models import Payment
from market.subscriptions.models import Subscription
from market.subscriptions.services import household_subscriptions
from market.timeutil import utcnow

FORMAT = 1


def moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "phone": user.phone,
        "role": user.role,
        "language": user.locale,
        "created_at": moment(user.created_at),
        "last_login_at": moment(user.last_login_at),
    }


def order_record(order: Order) -> dict:
    point = order.pickup.collection_point
    return {
        "reference": order.reference,
        "cycle": order.cycle.name,
        "status": order.status,
        "collection_point": point.name,
        "pickup_starts_at": moment(order.pickup.starts_at),
        "payment_choice": order.payment_choice,
        "created_at": moment(order.created_at),
        "updated_at": moment(order.updated_at),
        "cancelled_at": moment(order.cancelled_at),
        "collected_at": moment(order.collected_at),
        "total_cents": order.totals.total_cents,
        "lines": [
            {
                "product": line.product_name,
                "unit": line.unit,
                "size": line.size,
                "quantity": line.quantity,
                "missing_quantity": line.missing_quantity,
                "unit_price_cents": line.unit_price_cents,
                "vat_basis_points": line.vat_basis_points,
                "real_weight_grams": line.real_weight_grams,
                "amount_cents": line.amount_cents,
            }
            for line in order.lines
        ],
    }


def subscription_record(subscription: Subscription) -> dict:
    contract = subscription.contract
    return {
        "contract": contract.name,
        "producer": contract.producer.name,
        "collection_point": subscription.collection_point.name,
        "payment_terms": contract.payment_terms.value,
        "status": subscription.status.value,
        "subscribed_at": moment(subscription.subscribed_at),
        "ended_at": moment(subscription.ended_at),
        "absences": [absence.day.isoformat() for absence in subscription.absences],
        "deliveries": [
            {"day": delivery.day.isoformat(), "status": delivery.status.value}
            for delivery in subscription.deliveries
        ],
        "instalments": [
            {
                "due_on": instalment.due_on.isoformat(),
                "amount_cents": instalment.amount_cents,
                "status": instalment.status.value,
                "paid_at": moment(instalment.paid_at),
            }
            for instalment in subscription.instalments
        ],
    }


def household_data(household: Household) -> dict:
    people = list(
        db.session.scalars(select(User).where(User.household_id == household.id).order_by(User.id))
    )
    emails = [user.email for user in people]
    orders = db.session.scalars(
        select(Order)
        .where(Order.household_id == household.id)
        .order_by(Order.id)
        .options(
            selectinload(Order.lines),
            joinedload(Order.cycle),
            joinedload(Order.pickup).joinedload(CyclePickup.collection_point),
        )
    ).unique()
    payments = db.session.scalars(
        select(Payment)
        .where(Payment.household_id == household.id)
        .order_by(Payment.id)
        .options(joinedload(Payment.order))
    )
    cart = db.session.scalars(
        select(CartItem)
        .where(CartItem.household_id == household.id)
        .order_by(CartItem.id)
        .options(joinedload(CartItem.offer).joinedload(Offer.product))
    )
    account = account_by_key(household_key(household.id))
    lines = statement(account) if account else []
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient.in_(emails)).order_by(OutboxMessage.id)
    )
    attempts = db.session.scalars(
        select(LoginAttempt).where(LoginAttempt.email.in_(emails)).order_by(LoginAttempt.id)
    )
    return {
        "format": FORMAT,
        "generated_at": moment(utcnow()),
        "hub": {"name": current_app.config["HUB_NAME"], "email": current_app.config["HUB_EMAIL"]},
        "household": {
            "name": household.name,
            "second_collector": household.second_collector,
            "address": household.address,
            "postcode": household.postcode,
            "town": household.town,
            "created_at": moment(household.created_at),
            "closure_requested_at": moment(household.closure_requested_at),
        },
        "people": [person(user) for user in people],
        "orders": [order_record(order) for order in orders],
        "subscriptions": [
            subscription_record(subscription)
            for subscription in household_subscriptions(household.id)
        ],
        "payments": [
            {
                "order": payment.order.reference,
                "provider": payment.provider,
                "method": payment.method,
                "amount_cents": payment.amount_cents,
                "refunded_cents": payment.refunded_cents,
                "status": payment.status,
                "created_at": moment(payment.created_at),
            }
            for payment in payments
        ],
        "cart": [
            {
                "product": item.offer.product.name,
                "quantity": item.quantity,
                "added_at": moment(item.added_at),
            }
            for item in cart
        ],
        "statement": {
            "account": f"{account.number} {account.auxiliary}" if account else None,
            "balance_cents": lines[-1].balance if lines else 0,
            "lines": [
                {
                    "seq": line.seq,
                    "occurred_at": moment(line.occurred_at),
                    "kind": line.kind,
                    "reference": line.reference,
                    "memo": line.memo,
                    "amount_cents": line.amount,
                    "balance_cents": line.balance,
                }
                for line in lines
            ],
        },
        "emails": [
            {
                "to": message.recipient,
                "subject": message.subject,
                "body": message.body,
                "created_at": moment(message.created_at),
                "sent_at": moment(message.sent_at),
            }
            for message in messages
        ],
        "login_attempts": [
            {
                "email": attempt.email,
                "address": attempt.address,
                "succeeded": attempt.succeeded,
                "attempted_at": moment(attempt.attempted_at),
            }
            for attempt in attempts
        ],
    }
