"""The same request sent several times at once — a double tap, two tabs, two app servers —
has exactly one effect (PostgreSQL: each request on its own connection)."""

import threading

import pytest
from sqlalchemy import func, select

from market.auth.models import User
from market.cycles.models import CyclePickup, Offer
from market.extensions import db as _db
from market.ledger.models import LedgerTransaction
from market.ledger.verify import verify
from market.orders import services as orders
from market.orders.cart import add as add_to_cart
from market.orders.models import CartItem, Order, OrderLine, OrderStatus
from market.payments.models import Payment
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import HouseholdUserFactory
from tests.payments.conftest import fake_stripe  # noqa: F401 - the fake Stripe server

TIMES = 8


def at_once(app, requests) -> list:
    """Send (user id, method, url, form) requests at the same moment, each from a client of
    its own (logged in beforehand), as separate browsers on separate connections would."""
    barrier = threading.Barrier(len(requests), timeout=30)
    responses = [None] * len(requests)
    clients = [logged_in_client(app, _db.session.get(User, user_id)) for user_id, *_ in requests]

    def send(index, client, method, url, form):
        with app.app_context():
            barrier.wait()
            responses[index] = client.open(url, method=method, data=form)
            _db.session.remove()

    threads = [
        threading.Thread(target=send, args=(index, client, *request[1:]))
        for index, (client, request) in enumerate(zip(clients, requests, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def counters_hold(db) -> None:
    """Every offer's ordered units and every point's orders equal what the orders hold."""
    db.session.expire_all()
    held = dict(
        db.session.execute(
            select(OrderLine.offer_id, func.sum(OrderLine.quantity))
            .join(OrderLine.order)
            .where(Order.status == OrderStatus.PLACED.value)
            .group_by(OrderLine.offer_id)
        ).all()
    )
    for offer in db.session.scalars(select(Offer)):
        assert offer.ordered_quantity == held.get(offer.id, 0), offer.product.name
    placed = dict(
        db.session.execute(
            select(Order.pickup_id, func.count())
            .where(Order.status == OrderStatus.PLACED.value)
            .group_by(Order.pickup_id)
        ).all()
    )
    for pickup in db.session.scalars(select(CyclePickup)):
        assert pickup.orders_count == placed.get(pickup.id, 0)
    verdict = verify()
    assert verdict.ok, verdict.problem


def postings(db, kind: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == kind)
    )


def placed_order(db, market, payment="pickup") -> Order:
    order = orders.place(
        market["household"],
        market["cycle"],
        utcnow(),
        items={market["carrots"].id: 2, market["cheese"].id: 1},
        pickup_id=market["pickup"].id,
        payment=payment,
    )
    db.session.commit()
    return order


@pytest.mark.postgres_only
def test_a_cancel_sent_eight_times_cancels_once(app, db, market):
    order = placed_order(db, market)
    user_id = market["household"].id
    responses = at_once(app, [(user_id, "POST", f"/orders/{order.id}/cancel", {})] * TIMES)
    assert sorted(response.status_code for response in responses) == [302] + [409] * (TIMES - 1)
    assert postings(db, "order.cancelled") == 1
    counters_hold(db)
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 0


@pytest.mark.postgres_only
def test_a_change_sent_eight_times_changes_once(app, db, market):
    order = placed_order(db, market)
    form = {
        f"quantity-{market['carrots'].id}": "5",
        f"quantity-{market['cheese'].id}": "1",
        "pickup": market["pickup"].id,
        "submission": "one-tap",
    }
    responses = at_once(
        app, [(market["household"].id, "POST", f"/orders/{order.id}/change", form)] * TIMES
    )
    assert [response.status_code for response in responses] == [302] * TIMES
    assert postings(db, "order.changed") == 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).version == 2
    counters_hold(db)
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 5


@pytest.mark.postgres_only
def test_checkouts_sent_at_once_order_each_cart_once(app, db, market):
    households = [HouseholdUserFactory() for _ in range(4)]
    for user in households:
        add_to_cart(user.household_id, market["carrots"], 2)
        add_to_cart(user.household_id, market["cheese"], 1)
    db.session.commit()
    form = {"pickup": market["pickup"].id, "payment": "pickup"}
    requests = [
        (user.id, "POST", "/checkout", {**form, "submission": f"tap-{user.id}"})
        for user in households
        for _ in range(5)
    ]
    # A second tab: the same cart sent with another form's token.
    requests.append((households[0].id, "POST", "/checkout", {**form, "submission": "tab"}))
    responses = at_once(app, requests)
    # Per household, the form that got the cart first is ordered; its copies get the same
    # order; the other tab finds the cart empty (400).
    for user in households:
        mine = [
            (request[3]["submission"], response)
            for request, response in zip(requests, responses, strict=True)
            if request[0] == user.id
        ]
        placed = {response.location for _, response in mine if response.status_code == 302}
        assert len(placed) == 1
        winner = next(token for token, response in mine if response.status_code == 302)
        assert [response.status_code for token, response in mine] == [
            302 if token == winner else 400 for token, _ in mine
        ]
    db.session.expire_all()
    for user in households:
        order = db.session.scalar(select(Order).where(Order.household_id == user.household_id))
        assert {line.offer_id: line.quantity for line in order.lines} == {
            market["carrots"].id: 2,
            market["cheese"].id: 1,
        }
    assert db.session.scalar(select(func.count()).select_from(CartItem)) == 0
    assert postings(db, "order.placed") == len(households)
    assert postings(db, "order.changed") == 0
    counters_hold(db)


@pytest.mark.postgres_only
def test_pay_online_sent_six_times_opens_one_session(app, db, market, fake_stripe):  # noqa: F811
    order = placed_order(db, market, payment="online")
    responses = at_once(
        app, [(market["household"].id, "POST", f"/payments/orders/{order.id}/pay", {})] * 6
    )
    assert [response.status_code for response in responses] == [303] * 6
    assert len({response.location for response in responses}) == 1
    created = [call for call in fake_stripe.calls if call[:2] == ("POST", "/v1/checkout/sessions")]
    assert len({key for *_, key in created}) == 1  # retries of one request, if any
    assert len(fake_stripe.sessions) == 1
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
