"""What the auth domain refuses, and with which status."""

from market.errors import DomainError


class WeakPassword(DomainError):
    pass


class InvalidAccount(DomainError):
    pass


class UnknownAccount(DomainError):
    status = 404


class LastAdministrator(DomainError):
    status = 409


class EmailTaken(DomainError):
    pass


class InvalidCredentials(DomainError):
    status = 401


class TooManyAttempts(DomainError):
    status = 429


class InvalidToken(DomainError):
    pass


class UnknownRole(DomainError):
    pass
