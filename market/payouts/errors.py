"""What the payouts domain refuses, and with which status."""

from market.errors import DomainError


class PayoutRefused(DomainError):
    pass
