"""The payments service orders relies on (market.orders.paying), registered at start-up."""

from flask import url_for
from flask_babel import gettext as _

from market.i18n import money
from market.orders.models import Order
from market.orders.paying import PaymentAction, PaymentPanel, PaymentProvider, Payments
from market.payments import services
from market.payments.providers import PROVIDERS
from market.payments.stripe_checkout import stripe_configured


class HubPayments(Payments):
    def providers(self) -> list[PaymentProvider]:
        return PROVIDERS

    def settle_overpayment(self, order: Order) -> None:
        services.settle_overpayment(order)

    def panel(self, order: Order) -> PaymentPanel:
        summary = services.summary(order)
        actions = []
        if summary["due"] and not order.is_cancelled:
            amount = money(summary["due"])
            if stripe_configured():
                actions.append(
                    PaymentAction(
                        _("Pay %(amount)s online", amount=amount),
                        url_for("payments.pay_online", order_id=order.id),
                    )
                )
            if summary["credit_covers"]:
                actions.append(
                    PaymentAction(
                        _("Pay %(amount)s from my credit", amount=amount),
                        url_for("payments.use_credit", order_id=order.id),
                        primary=False,
                    )
                )
        return PaymentPanel(
            total=summary["total"],
            paid=summary["paid"],
            due=summary["due"],
            rows=summary["rows"],
            waiting=summary["waiting"],
            actions=actions,
        )
