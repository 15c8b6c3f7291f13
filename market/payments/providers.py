"""How a household can pay: three providers behind one small interface (DESIGN §5).

A provider says whether it is offered (`available`) and whether it can pay an order once the
order's ledger posting is written (`accept`, which raises PaymentRefused). Money only moves
when a payment really happens: at pickup (`services.record_pickup_payment`), online (the Stripe
webhook, `stripe_checkout.sync_session`) — and never for credit, see CreditProvider.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

from market.ledger.accounts import household_key
from market.ledger.statements import account_balance
from market.orders.models import Order, PaymentChoice
from market.payments.errors import PaymentRefused


class PaymentProvider:
    choice: str
    label = _l("Payment")

    def available(self) -> bool:
        return True

    def accept(self, order: Order) -> None:
        """Raise PaymentRefused when this provider cannot pay the order as it now stands."""


class AtPickupProvider(PaymentProvider):
    """Always offered: a volunteer or the coordinator records the payment at pickup."""

    choice = PaymentChoice.AT_PICKUP.value
    label = _l("At pickup (cash, cheque or card)")


class CreditProvider(PaymentProvider):
    """Prepaid credit: the household's ledger balance pays the order.

    Paying from credit posts nothing of its own. The order's posting (order.placed or
    order.changed) already debits the household's account; a top-up credited it before; the
    debit therefore consumes the credit, and the account's balance is what is left. Posting a
    "payment" as well would move the household's money twice. So this provider only checks,
    after the order's posting, that the household's account does not end up owing anything.
    """

    choice = PaymentChoice.CREDIT.value
    label = _l("From my credit")

    def accept(self, order: Order) -> None:
        if account_balance(household_key(order.household_id)) > 0:
            raise PaymentRefused(_l("Your credit does not cover this order: choose to pay at "
                                    "pickup, or top up your credit first."))


class StripeCheckoutProvider(PaymentProvider):
    """Online by card, through a Stripe Checkout Session opened once the order is recorded."""

    choice = PaymentChoice.ONLINE.value
    label = _l("Online by card, now")

    def available(self) -> bool:
        config = current_app.config
        return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


PROVIDERS: dict[str, PaymentProvider] = {
    provider.choice: provider
    for provider in (AtPickupProvider(), CreditProvider(), StripeCheckoutProvider())
}


def available_providers() -> list[PaymentProvider]:
    return [provider for provider in PROVIDERS.values() if provider.available()]


def provider_for(choice: str) -> PaymentProvider:
    provider = PROVIDERS.get(choice)
    if provider is None or not provider.available():
        raise PaymentRefused(_l("Choose how you will pay."))
    return provider


def online_payment_offered() -> bool:
    return PROVIDERS[PaymentChoice.ONLINE.value].available()
