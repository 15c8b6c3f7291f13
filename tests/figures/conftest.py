"""The exports' closed cycle, and an open one after it with orders placed through the real
services."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from market.orders import services as orders
from market.timeutil import utcnow
from tests.exports.conftest import closed_cycle  # noqa: F401 - a fixture
from tests.factories import (
    CategoryFactory,
    CollectionPointFactory,
    CyclePickupFactory,
    HouseholdFactory,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerFactory,
    ProductFactory,
)


@pytest.fixture
def open_cycle(db, closed_cycle):  # noqa: F811 - the fixture above
    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 49",
        opens_at=now - timedelta(hours=2),
        closes_at=now + timedelta(days=2),
        published_at=now - timedelta(days=1),
        pickups=[],
    )
    bourg = CyclePickupFactory(cycle=cycle, collection_point=closed_cycle["bourg"].collection_point)
    carrots = OfferFactory(cycle=cycle, product=closed_cycle["carrots"].product, cap=3)
    orders.place(
        closed_cycle["people"]["martin"],
        cycle,
        now,
        pickup_id=bourg.id,
        payment="pickup",
        items={carrots.id: 3},
    )
    db.session.commit()
    return {"cycle": cycle, "bourg": bourg, "carrots": carrots}


# Three months of 2026: six households in January and February, one alone in March (and in
# her commune, and alone to buy honey); a farm 20 km from the point, a dairy unplaced.
POINT = (Decimal("43.5400"), Decimal("-1.4600"))
FARM = (Decimal("43.7200"), Decimal("-1.4600"))


@pytest.fixture
def history(db):
    point = CollectionPointFactory(name="Bourg", latitude=POINT[0], longitude=POINT[1])
    farm = ProducerFactory(name="Ferme Lafitte", latitude=FARM[0], longitude=FARM[1])
    dairy = ProducerFactory(name="Laiterie Biarrot")
    vegetables, cheese, honey = (
        CategoryFactory(name=name) for name in ("Légumes", "Fromages", "Miel")
    )
    carrots = ProductFactory(producer=farm, name="Carottes", price_cents=250, category=vegetables)
    squash = ProductFactory(
        producer=farm,
        name="Potimarron",
        price_cents=300,
        unit="kg",
        sold_by_weight=True,
        estimated_weight_grams=1500,
        category=vegetables,
    )
    tomme = ProductFactory(producer=dairy, name="Tomme", price_cents=1290, category=cheese)
    jar = ProductFactory(producer=farm, name="Miel de bruyère", price_cents=910, category=honey)
    towns = ["Ondres", "Ondres", "Ondres", "Tarnos", "Tarnos", "Tarnos"]
    people = [HouseholdUserFactory(household=HouseholdFactory(town=town)) for town in towns]
    lone = HouseholdUserFactory(household=HouseholdFactory(town="Saint-Martin-de-Seignanx"))
    cycles = []
    for month, buyers in ((1, people), (2, people), (3, [lone])):
        opens = datetime(2026, month, 12, 16, 0, tzinfo=UTC)
        cycle = OrderCycleFactory(
            name=f"Mois {month}",
            opens_at=opens,
            closes_at=opens + timedelta(days=4),
            published_at=opens - timedelta(days=1),
            pickups=[],
        )
        pickup = CyclePickupFactory(cycle=cycle, collection_point=point)
        offers = {
            product.name: OfferFactory(cycle=cycle, product=product)
            for product in (carrots, squash, tomme, jar)
        }
        for number, buyer in enumerate(buyers):
            items = {offers["Carottes"].id: 1 + number % 3, offers["Tomme"].id: 1}
            if number % 2:
                items[offers["Potimarron"].id] = 2
            if buyer is lone:
                items = {offers["Miel de bruyère"].id: 3, offers["Carottes"].id: 1}
            orders.place(
                buyer,
                cycle,
                opens + timedelta(hours=1),
                pickup_id=pickup.id,
                payment="pickup",
                items=items,
            )
        cycles.append(cycle)
    db.session.commit()
    return {"cycles": cycles, "people": people, "lone": lone, "farm": farm, "dairy": dairy}
