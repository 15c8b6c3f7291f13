"""What the subscriptions do when the cycles announce something (market/cycles/signals.py)."""

from datetime import datetime

from market.cycles.models import OrderCycle
from market.cycles.signals import cycle_published
from market.subscriptions.services import generate


@cycle_published.connect
def generate_when_published(cycle: OrderCycle, now: datetime) -> None:
    """A published cycle receives the deliveries of every subscription due in it."""
    generate(cycle, now)
