from datetime import timedelta

import pytest

from market.timeutil import to_hub_time, utcnow
from tests.factories import (
    ContractFactory,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerUserFactory,
    ProductFactory,
)


def week_cycle(db, opens_at, *, point, published=True, name=None):
    """A cycle open four days from `opens_at`, with its pickup at `point` three days later."""
    cycle = OrderCycleFactory(
        opens_at=opens_at,
        published_at=(opens_at - timedelta(days=1)) if published else None,
        pickups__collection_point=point,
        **({"name": name} if name else {}),
    )
    db.session.flush()
    return cycle


@pytest.fixture
def season(db):
    """A published cycle open now, a basket contract whose first delivery is that cycle's
    pickup day, a producer's person, another offer for extras and two households; committed."""
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 20", opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2)
    )
    pickup = cycle.pickups[0]
    point = pickup.collection_point
    farmer = ProducerUserFactory(email="ferme@example.org")
    basket = ProductFactory(producer=farmer.producer, name="Panier de légumes", price_cents=1500)
    contract = ContractFactory(
        product=basket,
        name="Panier de la saison",
        unit_price_cents=1500,
        first_delivery=to_hub_time(pickup.starts_at).date(),
        last_delivery=to_hub_time(pickup.starts_at).date() + timedelta(weeks=11),
        absences_allowed=2,
        points__collection_point=point,
    )
    eggs = OfferFactory(
        cycle=cycle,
        product=ProductFactory(producer=farmer.producer, name="Œufs", price_cents=420),
    )
    household = HouseholdUserFactory(email="famille@example.org")
    neighbour = HouseholdUserFactory(email="voisins@example.org")
    db.session.commit()
    return {
        "cycle": cycle,
        "pickup": pickup,
        "point": point,
        "contract": contract,
        "basket": basket,
        "eggs": eggs,
        "farmer": farmer,
        "household": household,
        "neighbour": neighbour,
    }
