"""What the cycles domain refuses, and with which status."""

from market.errors import DomainError


class OfferRefused(DomainError):
    pass


class NotYourProduct(DomainError):
    status = 403


class CycleInvalid(DomainError):
    pass


class CycleStateError(DomainError):
    status = 409
