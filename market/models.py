"""Every domain's models, imported together so that metadata and migrations see them all."""

from market.auth.models import Household, Invitation, LoginAttempt, PasswordReset, User
from market.catalog.models import Producer
from market.ledger.models import (
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
)
from market.mail.models import OutboxMessage

__all__ = [
    "Household",
    "Invitation",
    "LedgerAccount",
    "LedgerChainHead",
    "LedgerClosure",
    "LedgerEntry",
    "LedgerTransaction",
    "LoginAttempt",
    "OutboxMessage",
    "PasswordReset",
    "Producer",
    "User",
]
