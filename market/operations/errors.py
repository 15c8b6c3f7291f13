"""What the operations domain refuses, and with which status."""

from market.errors import DomainError


class BackupError(DomainError):
    pass
