"""Demo collection points of the Seignanx, an open cycle and the closed one before it."""

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from market.cycles import services as cycles
from market.cycles.models import CollectionPoint, OrderCycle
from market.extensions import db
from market.timeutil import from_hub_wall_clock, to_hub_time, utcnow

COLLECTION_POINTS: list[dict[str, Any]] = [
    {
        "name": "Espace technologique Jean Bertin",
        "address": "Avenue du 1er Mai",
        "postcode": "40220",
        "town": "Tarnos",
        "capacity": None,
        "latitude": Decimal("43.5386"),
        "longitude": Decimal("-1.4617"),
        "access_notes": "Entrée principale, salle du rez-de-chaussée. Parking devant le bâtiment.",
        "contact": "Pôle territorial — 05 59 00 00 00",
    },
    {
        "name": "Salle des fêtes d’Ondres",
        "address": "Place de la Mairie",
        "postcode": "40440",
        "town": "Ondres",
        "capacity": 60,
        "latitude": Decimal("43.5647"),
        "longitude": Decimal("-1.4450"),
        "access_notes": "Porte latérale, côté parking.",
        "contact": "Mairie d’Ondres",
    },
    {
        "name": "École de Saint-Martin-de-Seignanx",
        "address": "Rue de l’École",
        "postcode": "40390",
        "town": "Saint-Martin-de-Seignanx",
        "capacity": 40,
        "latitude": Decimal("43.5433"),
        "longitude": Decimal("-1.3869"),
        "access_notes": "Préau de l’école, entrée par le portail vert.",
        "contact": "Association des parents d’élèves",
    },
]
PICKUP_HOURS = (time(16, 30), time(19, 0))


def seed_collection_points() -> list[CollectionPoint]:
    existing = {p.name: p for p in db.session.scalars(select(CollectionPoint))}
    for fields in COLLECTION_POINTS:
        if fields["name"] not in existing:
            existing[fields["name"]] = cycles.save_collection_point(None, **fields)
    return [existing[fields["name"]] for fields in COLLECTION_POINTS]


def demo_week(points, opening_day, *, publish: bool) -> OrderCycle:
    opens_at = from_hub_wall_clock(opening_day, time(18, 0))
    closes_at = from_hub_wall_clock(opening_day + timedelta(days=5), time(23, 59))
    pickup_day = opening_day + timedelta(days=8)
    cycle = cycles.create_cycle(
        name=cycles.unused_name(from_hub_wall_clock(pickup_day, PICKUP_HOURS[0])),
        opens_at=opens_at,
        closes_at=closes_at,
        note="Pensez à rapporter vos boîtes à œufs et vos bocaux consignés.",
        pickups=[
            cycles.PickupWindow(
                point,
                from_hub_wall_clock(pickup_day, PICKUP_HOURS[0]),
                from_hub_wall_clock(pickup_day, PICKUP_HOURS[1]),
            )
            for point in points
        ],
    )
    if publish:
        cycle.published_at = opens_at - timedelta(days=1)
    return cycle


def seed_cycles() -> None:
    """Whatever today is, one cycle open now and the previous week's one closed."""
    points = seed_collection_points()
    if db.session.scalar(select(OrderCycle.id).limit(1)) is not None:
        return
    opening_day = to_hub_time(utcnow()).date() - timedelta(days=2)
    demo_week(points, opening_day - timedelta(days=7), publish=True)
    demo_week(points, opening_day, publish=True)
    db.session.flush()
