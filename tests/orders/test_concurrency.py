"""No overselling under real concurrency: many clients on separate connections (PostgreSQL)."""

import threading

import pytest
from sqlalchemy import func, select

from market.auth.models import User
from market.cycles.models import Offer, OrderCycle
from market.extensions import db as _db
from market.ledger.verify import verify
from market.orders import services as orders
from market.orders.errors import OrderRefused
from market.orders.models import Order, OrderLine
from market.timeutil import utcnow
from tests.factories import HouseholdUserFactory

CLIENTS = 20


def race(app, user_ids, attempt):
    """Run `attempt(user)` for every user at once, each in its own app context and session."""
    barrier = threading.Barrier(len(user_ids), timeout=30)
    outcomes = []

    def run(user_id):
        with app.app_context(), app.test_request_context():
            user = _db.session.get(User, user_id)
            _db.session.commit()  # give the connection back while waiting for the others
            barrier.wait()
            try:
                attempt(user)
                _db.session.commit()
                outcomes.append("ordered")
            except OrderRefused as error:
                _db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres_only
def test_twenty_clients_race_for_the_last_five_units(app, db, market):
    offer = market["carrots"]
    offer.cap, offer.ordered_quantity = 5, 0
    users = [HouseholdUserFactory().id for _ in range(CLIENTS)]
    db.session.commit()
    cycle_id, offer_id, pickup_id = market["cycle"].id, offer.id, market["pickup"].id

    def attempt(user):
        cycle = _db.session.get(OrderCycle, cycle_id)
        orders.place(
            user, cycle, utcnow(), items={offer_id: 1}, pickup_id=pickup_id, payment="pickup"
        )

    outcomes = race(app, users, attempt)
    assert outcomes.count("ordered") == 5
    assert outcomes.count("SoldOut") == CLIENTS - 5
    db.session.expire_all()
    assert db.session.get(Offer, offer_id).ordered_quantity == 5
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == 5
    assert db.session.scalar(select(func.count()).select_from(Order)) == 5
    assert verify().ok


@pytest.mark.postgres_only
def test_twenty_clients_race_for_the_last_places_at_a_collection_point(app, db, market):
    market["pickup"].collection_point.capacity = 3
    users = [HouseholdUserFactory().id for _ in range(CLIENTS)]
    db.session.commit()
    cycle_id, offer_id, pickup_id = market["cycle"].id, market["cheese"].id, market["pickup"].id

    def attempt(user):
        cycle = _db.session.get(OrderCycle, cycle_id)
        orders.place(
            user, cycle, utcnow(), items={offer_id: 1}, pickup_id=pickup_id, payment="pickup"
        )

    outcomes = race(app, users, attempt)
    assert outcomes.count("ordered") == 3
    assert outcomes.count("PointFull") == CLIENTS - 3
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 3
    assert db.session.get(Offer, offer_id).ordered_quantity == 3
    assert verify().ok
