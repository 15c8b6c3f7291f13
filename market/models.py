"""Every domain's models, imported together so that metadata and migrations see them all."""

from market.auth.models import (
    Household,
    Invitation,
    LoginAttempt,
    LoginSession,
    LoginThrottle,
    PasswordReset,
    SignupRequest,
    User,
)
from market.catalog.models import Category, Producer, Product
from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
from market.figures.models import (
    CycleFigures,
    HouseholdCategorySeason,
    HouseholdMonth,
    PlaceFigures,
)
from market.invoices.models import Invoice, InvoiceSeries, MandateAcceptance, TaxProfile
from market.ledger.models import (
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
    LedgerVerification,
)
from market.mail.models import OutboxAttachment, OutboxMessage
from market.orders.models import CartItem, Order, OrderLine
from market.payments.models import Payment, StripeEvent
from market.payouts.models import PayoutBatch, PayoutLine
from market.subscriptions.models import Absence, Contract, ContractPoint, Delivery, Subscription

__all__ = [
    "Absence",
    "CartItem",
    "Category",
    "CollectionPoint",
    "Contract",
    "ContractPoint",
    "CycleFigures",
    "CyclePickup",
    "Delivery",
    "Household",
    "HouseholdCategorySeason",
    "HouseholdMonth",
    "Invitation",
    "Invoice",
    "InvoiceSeries",
    "LedgerAccount",
    "LedgerChainHead",
    "LedgerClosure",
    "LedgerEntry",
    "LedgerTransaction",
    "LedgerVerification",
    "LoginAttempt",
    "LoginSession",
    "LoginThrottle",
    "MandateAcceptance",
    "Offer",
    "Order",
    "OrderCycle",
    "OrderLine",
    "OutboxAttachment",
    "OutboxMessage",
    "PasswordReset",
    "Payment",
    "PayoutBatch",
    "PayoutLine",
    "PlaceFigures",
    "Producer",
    "Product",
    "SignupRequest",
    "StripeEvent",
    "Subscription",
    "TaxProfile",
    "User",
]
