"""How a household can pay: three providers behind the interface orders declares
(market.orders.paying, DESIGN §5).

A provider says whether it is offered (`available`), whether it can pay an order once the
order's ledger posting is written (`accept`, which raises PaymentRefused), and where the
household goes once its order is committed (`after_checkout`). Money only moves when a payment
really happens: at pickup (`services.record_pickup_payment`), online (the Stripe webhook,
`stripe_checkout.sync_session`) — and never for credit, see CreditProvider.
"""

from flask import Response
from flask_babel import lazy_gettext as _l

from market.orders.models import Order, PaymentChoice
from market.orders.paying import PaymentProvider
from market.payments.online import start_online
from market.payments.services import require_credit_covers
from market.payments.stripe_checkout import stripe_configured


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
        require_credit_covers(order)


class StripeCheckoutProvider(PaymentProvider):
    """Online by card, through a Stripe Checkout Session opened once the order is recorded."""

    choice = PaymentChoice.ONLINE.value
    label = _l("Online by card, now")

    def available(self) -> bool:
        return stripe_configured()

    def after_checkout(self, order: Order) -> Response:
        return start_online(order)


PROVIDERS: list[PaymentProvider] = [AtPickupProvider(), CreditProvider(), StripeCheckoutProvider()]
