"""The cycles as one request sees them: read once, at the moment the request started.

Every view, template and signal handler of a request then agrees on what is open, and the
shop, the cart and checkout pay for one query instead of one per question asked.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import g

from market.cycles.models import OrderCycle
from market.cycles.services import next_among, open_among, published_cycles_around
from market.timeutil import utcnow


@dataclass(frozen=True)
class Moment:
    now: datetime
    open_cycle: OrderCycle | None
    upcoming: OrderCycle | None


def moment() -> Moment:
    if "cycles_moment" not in g:
        now = utcnow()
        cycles = published_cycles_around(now)
        g.cycles_moment = Moment(now, open_among(cycles, now), next_among(cycles, now))
    return g.cycles_moment
