import pytest

from market.timeutil import utcnow
from tests.factories import (
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerFactory,
    ProductFactory,
)


@pytest.fixture
def open_cycle(db):
    """A published cycle open now, with one collection point."""
    from datetime import timedelta

    now = utcnow()
    return OrderCycleFactory(
        name="Semaine 48", opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2)
    )


@pytest.fixture
def market(db, open_cycle):
    """Two producers' offers in the open cycle and a household, committed."""
    farm, dairy = ProducerFactory(name="Ferme Lafitte"), ProducerFactory(name="Laiterie Biarrot")
    carrots = OfferFactory(
        cycle=open_cycle,
        product=ProductFactory(
            producer=farm, name="Carottes", price_cents=250, vat_basis_points=550
        ),
        cap=10,
    )
    cheese = OfferFactory(
        cycle=open_cycle,
        product=ProductFactory(
            producer=dairy, name="Tomme de brebis", price_cents=1200, vat_basis_points=550
        ),
    )
    wine = OfferFactory(
        cycle=open_cycle,
        product=ProductFactory(producer=farm, name="Cidre", price_cents=600, vat_basis_points=2000),
    )
    household = HouseholdUserFactory(email="famille@example.org")
    db.session.commit()
    return {
        "cycle": open_cycle,
        "pickup": open_cycle.pickups[0],
        "carrots": carrots,
        "cheese": cheese,
        "cider": wine,
        "household": household,
    }
