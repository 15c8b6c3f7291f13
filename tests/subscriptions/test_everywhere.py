"""Lists, the pickup screen, the order page and the contract pages show a contract's
deliveries marked as such, with a bounded number of queries."""

from sqlalchemy import select

from market.orders import services as orders
from market.subscriptions import services as subscriptions
from market.subscriptions.models import Subscription
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import HouseholdUserFactory, UserFactory
from tests.helpers import count_queries


def with_extras(db, season):
    subscriptions.subscribe(
        season["household"].household_id, season["contract"], season["point"].id, utcnow()
    )
    order = orders.place(
        season["household"],
        season["cycle"],
        utcnow(),
        items={season["eggs"].id: 2},
        pickup_id=season["pickup"].id,
        payment="pickup",
    )
    db.session.commit()
    return order


def test_lists_and_pickup_screen_mark_contract_lines(app, db, season):
    order = with_extras(db, season)
    coordinator = UserFactory(role="coordinator")
    db.session.commit()
    client = logged_in_client(app, coordinator)
    cycle_id = season["cycle"].id
    pickup_list = client.get(f"/coordination/cycles/{cycle_id}/pickup-list.csv").text
    assert "Panier de légumes (contrat)" in pickup_list
    assert "Œufs (contrat)" not in pickup_list
    screen = client.get(f"/pickup/{season['pickup'].id}/orders/{order.id}").text
    assert "(contrat)" in screen
    farmer = logged_in_client(app, season["farmer"])
    producer_id = season["farmer"].producer_id
    producer_list = farmer.get(f"/producers/{producer_id}/manage/lists/{cycle_id}.csv").text
    assert "Panier de légumes (contrat)" in producer_list
    own = logged_in_client(app, season["household"]).get(f"/orders/{order.id}").text
    assert "(contrat)" in own


def test_producers_and_coordinator_see_subscribers_and_fill(app, db, season):
    with_extras(db, season)
    for _ in range(3):
        household = HouseholdUserFactory()
        subscriptions.subscribe(
            household.household_id, season["contract"], season["point"].id, utcnow()
        )
    coordinator = UserFactory(role="coordinator")
    db.session.commit()
    farmer = logged_in_client(app, season["farmer"])
    page = farmer.get(f"/producer/contracts/{season['contract'].id}")
    assert page.status_code == 200
    assert season["point"].name in page.text
    assert season["household"].household.name in page.text
    staff = logged_in_client(app, coordinator)
    with count_queries(db.engine) as statements:
        listing = staff.get("/coordination/contracts")
    assert listing.status_code == 200 and "Panier de la saison" in listing.text
    assert len(statements) <= 12
    with count_queries(db.engine) as statements:
        detail = staff.get(f"/producer/contracts/{season['contract'].id}")
    assert detail.status_code == 200
    assert len(statements) <= 14
    client = logged_in_client(app, season["household"])
    with count_queries(db.engine) as households_page_queries:
        assert client.get("/contracts").status_code == 200
    assert len(households_page_queries) <= 14
    assert db.session.scalar(select(Subscription).limit(1)) is not None


def test_the_demo_has_a_basket_and_an_egg_contract_with_subscribers(app, db):
    from market.ledger.verify import verify
    from market.subscriptions.models import Contract, Delivery, Instalment

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # again: nothing added
    contracts = list(db.session.scalars(select(Contract).order_by(Contract.id)))
    assert [c.every_cycles for c in contracts] == [1, 2]
    assert [c.subscribers for c in contracts] == [6, 4]
    delivered = db.session.scalars(select(Delivery).where(Delivery.status == "delivered")).all()
    assert len(delivered) == 10  # both contracts' first delivery, in the open cycle's orders
    # The basket is paid in six instalments; four households handed in their first.
    assert [(c.payment_terms.value, c.instalments) for c in contracts] == [
        ("instalments", 6),
        ("per_delivery", 1),
    ]
    paid = db.session.scalars(select(Instalment).where(Instalment.status == "paid")).all()
    assert len(paid) == 4
    assert verify().ok
