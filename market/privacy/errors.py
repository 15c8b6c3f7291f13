"""What the privacy domain refuses, and with which status."""

from market.errors import DomainError


class NotAHousehold(DomainError):
    status = 404


class ErasureRefused(DomainError):
    status = 409
