"""The exports' closed cycle, and an open one after it with orders placed through the real
services."""

from datetime import timedelta

import pytest

from market.orders import services as orders
from market.timeutil import utcnow
from tests.exports.conftest import closed_cycle  # noqa: F401 - a fixture
from tests.factories import CyclePickupFactory, OfferFactory, OrderCycleFactory


@pytest.fixture
def open_cycle(db, closed_cycle):  # noqa: F811 - the fixture above
    now = utcnow()
    cycle = OrderCycleFactory(name="Semaine 49", opens_at=now - timedelta(hours=2),
                              closes_at=now + timedelta(days=2),
                              published_at=now - timedelta(days=1), pickups=[])
    bourg = CyclePickupFactory(cycle=cycle, collection_point=closed_cycle["bourg"]
                               .collection_point)
    carrots = OfferFactory(cycle=cycle, product=closed_cycle["carrots"].product, cap=3)
    orders.place(closed_cycle["people"]["martin"], cycle, now, pickup_id=bourg.id,
                 payment="pickup", items={carrots.id: 3})
    db.session.commit()
    return {"cycle": cycle, "bourg": bourg, "carrots": carrots}
