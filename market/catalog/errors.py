"""What the catalog domain refuses, and with which status."""

from market.errors import DomainError


class InvalidSiret(DomainError):
    pass


class InvalidProduct(DomainError):
    pass


class AlreadyReviewed(DomainError):
    status = 409


class CategoryTaken(DomainError):
    status = 409


class BankAccountInvalid(DomainError):
    pass


class InvalidSpreadsheet(DomainError):
    pass


class InvalidPhoto(DomainError):
    pass


class PhotoTooLarge(DomainError):
    status = 413
