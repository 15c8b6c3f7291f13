"""What the pickup domain refuses, and with which status."""

from market.errors import DomainError


class PickupRefused(DomainError):
    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field  # the form field the message is about, shown beside it


class PickupConflict(PickupRefused):
    status = 409
