"""`orders verify`: stock and place counters equal what the orders hold, and each order's
sale in the ledger equals its lines."""

from sqlalchemy import text

from market.orders import services as orders
from market.timeutil import utcnow
from tests.factories import HouseholdUserFactory


def three_orders(db, market):
    now = utcnow()
    first = orders.place(
        market["household"],
        market["cycle"],
        now,
        items={market["carrots"].id: 2, market["cheese"].id: 1},
        pickup_id=market["pickup"].id,
        payment="pickup",
    )
    second_user, third_user = HouseholdUserFactory(), HouseholdUserFactory()
    second = orders.place(
        second_user,
        market["cycle"],
        now,
        items={market["carrots"].id: 3},
        pickup_id=market["pickup"].id,
        payment="pickup",
    )
    third = orders.place(
        third_user,
        market["cycle"],
        now,
        items={market["cider"].id: 1},
        pickup_id=market["pickup"].id,
        payment="pickup",
    )
    db.session.commit()
    orders.change(
        second_user,
        second,
        now,
        quantities={market["carrots"].id: 1},
        pickup_id=market["pickup"].id,
    )
    orders.cancel(third_user, third, now)
    db.session.commit()
    return first, second, third


def run(app):
    return app.test_cli_runner().invoke(args=["orders", "verify"])


def test_orders_verify_passes_when_everything_agrees(app, db, market):
    three_orders(db, market)
    result = run(app)
    assert result.exit_code == 0, result.output
    assert "orders verified: 3 offers, 1 collection point slots, 3 orders" in result.output


def test_a_drifted_stock_counter_is_named(app, db, market):
    three_orders(db, market)
    db.session.execute(
        text("UPDATE offers SET ordered_quantity = 7 WHERE id = :id"), {"id": market["carrots"].id}
    )
    db.session.commit()
    result = run(app)
    assert result.exit_code == 1
    assert (
        f"offer {market['carrots'].id} (Carottes, Semaine 48): it counts 7 units "
        "ordered, its orders hold 3"
    ) in result.output


def test_a_drifted_place_counter_is_named(app, db, market):
    three_orders(db, market)
    db.session.execute(text("UPDATE cycle_pickups SET orders_count = 5"))
    db.session.commit()
    result = run(app)
    assert result.exit_code == 1
    assert "it counts 5 orders, 2 are placed there" in result.output


def test_an_order_changed_without_its_posting_is_named(app, db, market):
    first, _, _ = three_orders(db, market)
    db.session.execute(
        text("UPDATE order_lines SET quantity = 4 WHERE order_id = :id AND offer_id = :offer"),
        {"id": first.id, "offer": market["carrots"].id},
    )
    db.session.execute(
        text("UPDATE offers SET ordered_quantity = ordered_quantity + 2 WHERE id = :offer"),
        {"offer": market["carrots"].id},
    )
    db.session.commit()
    result = run(app)
    assert result.exit_code == 1
    assert (
        f"order {first.reference} (id {first.id}): its lines come to 2200 cents, the "
        "ledger booked 1700"
    ) in result.output
    assert "offer" not in result.output  # the counters were kept in step
