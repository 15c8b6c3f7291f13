"""What can go wrong when ordering, each with the message a household reads."""

from market.errors import DomainError


class OrderRefused(DomainError):
    pass


class SoldOut(OrderRefused):
    status = 409


class PointFull(OrderRefused):
    status = 409


class CycleNotOpen(OrderRefused):
    status = 409


class OrderConflict(OrderRefused):
    """The order is no longer in the state the request was made from (e.g. cancelled since)."""

    status = 409
