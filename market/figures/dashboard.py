"""The coordinator's dashboard: the open cycle at a glance, and what needs attention.

Twelve queries at most, whatever the number of orders: each line below is an aggregate.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from market.cycles import services as cycles
from market.cycles.models import OrderCycle
from market.figures import queries
from market.ledger.statements import head
from market.ledger.verify import last_verification

EARLIER_CYCLES = 4


@dataclass
class Comparison:
    """A cycle's orders at the same point of its ordering window, and what they come to."""

    cycle: OrderCycle
    orders: int
    amount_cents: int


@dataclass
class Dashboard:
    cycle: OrderCycle | None
    time_left: timedelta | None = None
    now: Comparison | None = None
    earlier: list[Comparison] = field(default_factory=list)
    points: list[tuple[str, int, int | None]] = field(default_factory=list)
    sold_out: list[tuple[str, str]] = field(default_factory=list)
    without_offers: list[str] = field(default_factory=list)
    last_closed: OrderCycle | None = None
    unpaid_orders: int = 0
    unpaid_cents: int = 0
    outbox_waiting: int = 0
    outbox_failed: int = 0
    head: dict = field(default_factory=dict)
    verification: object = None

    @property
    def earlier_average_orders(self) -> float | None:
        if not self.earlier:
            return None
        return sum(item.orders for item in self.earlier) / len(self.earlier)

    @property
    def time_left_text(self) -> str:
        return cycles.format_duration(self.time_left) if self.time_left else ""


def build(now: datetime) -> Dashboard:
    cycle = cycles.open_cycle(now)
    board = Dashboard(cycle)
    if cycle is not None:
        board.time_left = cycle.closes_at - now
        elapsed = now - cycle.opens_at
        earlier = queries.cycles_before(cycle, EARLIER_CYCLES)
        # The same point of each earlier window: as long after it opened as now is.
        cutoffs = {cycle.id: now, **{other.id: other.opens_at + elapsed for other in earlier}}
        placed = queries.orders_by_cycle_until(cutoffs)
        board.now = Comparison(cycle, *placed.get(cycle.id, (0, 0)))
        board.earlier = [Comparison(other, *placed.get(other.id, (0, 0))) for other in earlier]
        board.points = queries.points_fill(cycle)
        board.sold_out = queries.sold_out_offers(cycle)
        board.without_offers = queries.producers_without_offers(cycle)
    board.last_closed = queries.last_closed_cycle(now)
    if board.last_closed is not None:
        board.unpaid_orders, board.unpaid_cents = queries.unpaid(board.last_closed)
    board.outbox_waiting, board.outbox_failed = queries.outbox_waiting()
    board.head = head()
    board.verification = last_verification()
    return board
