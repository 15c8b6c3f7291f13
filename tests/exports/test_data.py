"""The cycle's data is read once, in a fixed number of queries, and agrees with the ledger."""

from market.exports.data import cycle_data
from market.ledger.accounts import household_key
from market.ledger.builders import post_payment_received
from market.ledger.statements import account_balance
from tests.factories import HouseholdUserFactory, OrderFactory, OrderLineFactory
from tests.helpers import count_queries

DATA_QUERIES = 7


def test_points_orders_and_lines(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    assert [p.name for p in data.points] == ["Bourg", "Gare"]
    bourg = data.points[0]
    assert [o.name for o in bourg.orders] == ["Anne Dupuy", "Zoé Martin"]
    martin = bourg.orders[1]
    assert martin.second_collector == "Paul Martin"
    assert martin.phone == "06 11 11 11 11"
    # 2 × 2,50 + 12,00 + 1,5 kg × 3,00
    assert martin.amount_cents == 500 + 1200 + 450
    assert data.producers == {
        closed_cycle["farm"].id: "Ferme Lafitte",
        closed_cycle["dairy"].id: "Laiterie Biarrot",
    }


def test_amounts_agree_with_each_households_ledger_account(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    for order in data.orders():
        assert account_balance(household_key(order.household_id)) == order.amount_cents


def test_already_paid_comes_from_the_ledger_by_order_id(db, closed_cycle):
    """Money is found by the order's id: a posting that only prints an order's reference (as
    another year's order with the same number would) is not that order's money."""
    order, other = closed_cycle["orders"]["martin"], closed_cycle["orders"]["dupuy"]
    post_payment_received(
        order.household_id, 1000, "stripe", order.reference, "online-1", order_id=order.id
    )
    post_payment_received(order.household_id, 500, "cash", order.reference, "look-alike-1")
    post_payment_received(
        other.household_id, 200, "cash", order.reference, "other-1", order_id=other.id
    )
    db.session.commit()
    rows = {o.id: o for o in cycle_data(closed_cycle["cycle"].id).orders()}
    assert (rows[order.id].paid_cents, rows[order.id].due_cents) == (1000, 2150 - 1000)
    assert rows[other.id].payments == {"cash": 200}


def test_the_query_count_does_not_grow_with_orders(db, closed_cycle):
    with count_queries(db.engine) as few:
        cycle_data(closed_cycle["cycle"].id)
    cycle = closed_cycle["cycle"]
    for number in range(100, 120):
        household = HouseholdUserFactory().household
        order = OrderFactory(
            cycle=cycle,
            household_id=household.id,
            number=number,
            reference=f"S48-{number:04d}",
            pickup_id=closed_cycle["gare"].id,
        )
        OrderLineFactory(order=order, offer=closed_cycle["carrots"], quantity=3)
    db.session.commit()
    with count_queries(db.engine) as many:
        data = cycle_data(cycle.id)
    assert len(few) == len(many) == DATA_QUERIES
    assert sum(1 for _ in data.orders()) == 23


def test_an_order_paid_from_credit_is_not_due(db, closed_cycle):
    from market.ledger.builders import post_credit_topup, post_order_placed

    order = OrderFactory(
        cycle=closed_cycle["cycle"],
        number=300,
        reference="S48-0300",
        payment_choice="credit",
        pickup_id=closed_cycle["gare"].id,
    )
    OrderLineFactory(order=order, offer=closed_cycle["carrots"], quantity=2)
    db.session.flush()
    post_credit_topup(order.household_id, 10_000, "cheque", "chèque", "topup-300")
    post_order_placed(
        order.household_id,
        order.reference,
        [(line.producer_id, line.amount_cents, 550) for line in order.lines],
        idempotency_key="placed-300",
    )
    db.session.commit()
    row = next(o for o in cycle_data(closed_cycle["cycle"].id).orders() if o.id == order.id)
    assert row.due_cents == 0
    assert row.paid_cents == row.amount_cents
