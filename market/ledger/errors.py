"""Ledger refusals, each with a message for people."""

from flask_babel import lazy_gettext as _l

from market.errors import DomainError


class LedgerError(DomainError):
    """A posting or a ledger operation was refused.

    The message stays lazy until shown: postings also run outside requests (commands, jobs),
    where there is no locale to translate it with yet.
    """

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


class UnbalancedTransaction(LedgerError):
    def __init__(self, total: int):
        super().__init__(
            _l(
                "The entries of a transaction must sum to zero (they sum to %(total)s cents).",
                total=total,
            )
        )


class IdempotencyConflict(LedgerError):
    status = 409

    def __init__(self, key: str):
        super().__init__(
            _l(
                "The operation %(key)s was already recorded with different "
                "details; nothing was changed.",
                key=key,
            )
        )


class PeriodClosed(LedgerError):
    status = 409

    def __init__(self):
        super().__init__(
            _l(
                "This date falls in a closed period: post the correction in the "
                "open period, referring to the original transaction."
            )
        )


class AlreadyReversed(LedgerError):
    status = 409

    def __init__(self, seq: int | None):
        super().__init__(_l("Transaction %(seq)s has already been reversed.", seq=seq))
