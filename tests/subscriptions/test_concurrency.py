"""A contract's cap holds when households subscribe at the same moment, a subscription sent
several times at once is made once, and so is an instalment recorded several times at once
(PostgreSQL: each request on its own connection)."""

import pytest
from sqlalchemy import func, select

from market.ledger.models import LedgerTransaction
from market.ledger.verify import verify
from market.orders.checks import verify_orders
from market.orders.models import OrderLine
from market.subscriptions import services as subscriptions
from market.subscriptions.models import Contract, Delivery, PaymentTerms, Subscription
from market.timeutil import utcnow
from tests.factories import HouseholdUserFactory, UserFactory
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


@pytest.mark.postgres_only
def test_an_instalment_recorded_six_times_at_once_is_posted_once(app, db, season):
    contract = season["contract"]
    contract.payment_terms, contract.instalments = PaymentTerms.INSTALMENTS, 3
    db.session.commit()
    subscription = subscriptions.subscribe(
        season["household"].household_id, contract, season["point"].id, utcnow()
    )
    coordinator = UserFactory(role="coordinator").id
    db.session.commit()
    url = f"/coordination/instalments/{subscription.instalments[0].id}/paid"
    responses = at_once(app, [(coordinator, "POST", url, {"method": "cheque"})] * 6)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302] + [409] * 5
    db.session.expire_all()
    kinds = select(func.count()).where(LedgerTransaction.kind == "contract.instalment")
    assert db.session.scalar(kinds) == 1
    assert db.session.get(Subscription, subscription.id).paid_cents == 6000
    assert verify().ok and verify_orders().ok
