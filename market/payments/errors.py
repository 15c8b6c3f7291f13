"""What can go wrong with a payment, each with the message a person reads."""

from market.errors import DomainError


class PaymentRefused(DomainError):
    pass


class PaymentUnavailable(PaymentRefused):
    """Stripe could not be reached or answered an error: nothing was charged."""

    status = 503


class BadWebhook(DomainError):
    """A webhook whose signature or timestamp does not check out."""


class WebhookNotConfigured(BadWebhook):
    status = 404
