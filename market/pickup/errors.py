"""What the pickup domain refuses, and with which status."""

from market.errors import DomainError


class PickupRefused(DomainError):
    pass


class PickupConflict(PickupRefused):
    status = 409
