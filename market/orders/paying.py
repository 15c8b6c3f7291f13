"""How an order is paid, as orders sees it: the ways of paying, and what becomes of money
already paid when an order shrinks.

orders declares here what it needs and knows nothing more; market.payments implements it (at
pickup, prepaid credit, Stripe Checkout) and registers it when the app is created, so that
orders never imports payments. To add a way of paying, write a PaymentProvider in
market.payments and list it in its Payments service (ARCHITECTURE.md says more).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from flask import Flask, Response, current_app
from flask_babel import lazy_gettext as _l

from market.orders.errors import OrderRefused
from market.orders.models import Order

EXTENSION = "market.payments"


class PaymentProvider(ABC):
    """One way of paying an order, chosen at checkout."""

    choice: str  # stored on the order: PaymentChoice
    label: str

    def available(self) -> bool:
        """Offered at checkout now (online payment needs the hub's keys, say)."""
        return True

    def accept(self, order: Order) -> None:  # noqa: B027 - most ways accept any order
        """Refuse, by raising a DomainError, an order this way cannot pay as it now stands
        (its ledger posting is written by then)."""

    def after_checkout(self, order: Order) -> Response | None:
        """Where the household goes once its order is committed (None: to the order's page)."""
        return None


@dataclass
class PaymentAction:
    """A button on the order's page: what it says, where it posts, how it looks."""

    label: str
    url: str
    primary: bool = True


@dataclass
class PaymentPanel:
    """What the order's page shows about its money."""

    total: int
    paid: int
    due: int
    # Each: the attempt's date, means, amount, amount refunded and state, as people read them.
    rows: list[dict] = field(default_factory=list)
    waiting: bool = False
    actions: list[PaymentAction] = field(default_factory=list)


class Payments(ABC):
    """The service that takes payments, registered at start-up."""

    @abstractmethod
    def providers(self) -> list[PaymentProvider]:
        """Every way of paying, offered or not."""

    @abstractmethod
    def settle_overpayment(self, order: Order) -> None:
        """After the order shrank or was cancelled: give back, or keep as credit, what was
        paid beyond it (the hub's policy). Raises a DomainError when it cannot."""

    @abstractmethod
    def panel(self, order: Order) -> PaymentPanel:
        """What the order's page shows about its money and the ways left to pay it."""


def register(app: Flask, payments: Payments) -> None:
    app.extensions[EXTENSION] = payments


def payments() -> Payments:
    return current_app.extensions[EXTENSION]


def available_providers() -> list[PaymentProvider]:
    return [provider for provider in payments().providers() if provider.available()]


def provider_for(choice: str) -> PaymentProvider:
    """The way of paying chosen, if it is offered."""
    for provider in available_providers():
        if provider.choice == choice:
            return provider
    raise OrderRefused(_l("Choose how you will pay."))
