"""A contract's cap holds when households subscribe at the same moment, and a subscription
sent several times at once is made once (PostgreSQL: each request on its own connection)."""

import pytest
from sqlalchemy import func, select

from market.ledger.verify import verify
from market.orders.checks import verify_orders
from market.orders.models import OrderLine
from market.subscriptions.models import Contract, Delivery, Subscription
from tests.factories import HouseholdUserFactory
from tests.orders.test_double_tap import at_once

CLIENTS = 10


@pytest.mark.postgres_only
def test_ten_households_race_for_the_last_three_places(app, db, season):
    contract = season["contract"]
    contract.cap = 3
    users = [HouseholdUserFactory().id for _ in range(CLIENTS)]
    db.session.commit()
    url = f"/contracts/{contract.id}/subscribe"
    responses = at_once(app, [(user, "POST", url, {"point": season["point"].id}) for user in users])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302] * 3 + [409] * (CLIENTS - 3)
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).subscribers == 3
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 3
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 3
    assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 3
    assert verify().ok and verify_orders().ok


@pytest.mark.postgres_only
def test_subscribing_tapped_eight_times_at_once_subscribes_once(app, db, season):
    user = season["household"].id
    url = f"/contracts/{season['contract'].id}/subscribe"
    responses = at_once(app, [(user, "POST", url, {"point": season["point"].id})] * 8)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302] + [409] * 7
    db.session.expire_all()
    assert db.session.get(Contract, season["contract"].id).subscribers == 1
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == 1
    assert verify().ok and verify_orders().ok
