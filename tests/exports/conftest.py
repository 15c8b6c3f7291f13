"""A closed cycle with orders placed through the real services, so the ledger holds them."""

from datetime import timedelta

import pytest

from market.cycles.services import close_early
from market.orders import services as orders
from market.timeutil import utcnow
from tests.factories import (
    CollectionPointFactory,
    CyclePickupFactory,
    HouseholdFactory,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerFactory,
    ProducerUserFactory,
    ProductFactory,
)


@pytest.fixture
def closed_cycle(db):
    """Two points, two producers, three households; one product sold by weight; closed."""
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 48",
        opens_at=now - timedelta(days=1),
        published_at=now - timedelta(days=2),
        pickups=[],
    )
    bourg = CyclePickupFactory(
        cycle=cycle, collection_point=CollectionPointFactory(name="Bourg", town="Ondres")
    )
    gare = CyclePickupFactory(
        cycle=cycle, collection_point=CollectionPointFactory(name="Gare", town="Tarnos")
    )
    farm, dairy = ProducerFactory(name="Ferme Lafitte"), ProducerFactory(name="Laiterie Biarrot")
    farmer = ProducerUserFactory(producer=farm, email="farm@example.org")
    carrots = OfferFactory(
        cycle=cycle,
        product=ProductFactory(producer=farm, name="Carottes", unit="bunch", price_cents=250),
    )
    cheese = OfferFactory(
        cycle=cycle,
        product=ProductFactory(producer=dairy, name="Tomme de brebis", price_cents=1200),
    )
    squash = OfferFactory(
        cycle=cycle,
        product=ProductFactory(
            producer=farm,
            name="Potimarron",
            unit="kg",
            price_cents=300,
            sold_by_weight=True,
            estimated_weight_grams=1500,
        ),
    )
    people = {
        "martin": HouseholdUserFactory(
            name="Zoé Martin",
            household=HouseholdFactory(name="Zoé Martin", second_collector="Paul Martin"),
            phone="06 11 11 11 11",
        ),
        "dupuy": HouseholdUserFactory(
            name="Anne Dupuy", household=HouseholdFactory(name="Anne Dupuy"), phone="06 22 22 22 22"
        ),
        "etcheverry": HouseholdUserFactory(
            name="Jon Etcheverry", household=HouseholdFactory(name="Jon Etcheverry"), phone=None
        ),
    }
    placed = {
        "martin": orders.place(
            people["martin"],
            cycle,
            now,
            pickup_id=bourg.id,
            payment="pickup",
            items={carrots.id: 2, cheese.id: 1, squash.id: 1},
        ),
        "dupuy": orders.place(
            people["dupuy"], cycle, now, pickup_id=bourg.id, payment="pickup", items={carrots.id: 1}
        ),
        "etcheverry": orders.place(
            people["etcheverry"],
            cycle,
            now,
            pickup_id=gare.id,
            payment="pickup",
            items={cheese.id: 2, squash.id: 2},
        ),
    }
    close_early(cycle, now)
    db.session.commit()
    return {
        "cycle": cycle,
        "bourg": bourg,
        "gare": gare,
        "farm": farm,
        "dairy": dairy,
        "farmer": farmer,
        "carrots": carrots,
        "cheese": cheese,
        "squash": squash,
        "people": people,
        "orders": placed,
    }
