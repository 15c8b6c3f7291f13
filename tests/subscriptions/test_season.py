"""A simulated season: twelve weekly cycles, three households and a basket shared by two
more, absences, a shortage, an early end and weekly extras, with the contract paid per
delivery or in instalments. Every delivery appears exactly once, every charge agrees with the
ledger, and the ledger and the orders verify."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.cycles import services as cycles
from market.ledger.models import LedgerAccount, LedgerEntry
from market.ledger.verify import verify
from market.orders import services as orders
from market.orders.checks import verify_orders
from market.orders.models import Order, OrderLine, OrderStatus
from market.subscriptions import services as subscriptions
from market.subscriptions.models import Delivery, InstalmentStatus, PaymentTerms
from market.timeutil import utcnow
from tests.factories import HouseholdUserFactory, OfferFactory, UserFactory
from tests.subscriptions.conftest import week_cycle


def balance(db, key: str) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.key == key)
    )


@pytest.mark.parametrize("terms", [PaymentTerms.PER_DELIVERY, PaymentTerms.INSTALMENTS])
def test_twelve_cycles_every_delivery_once_and_the_books_agree(app, db, season, terms):
    contract, point = season["contract"], season["point"]
    contract.payment_terms, contract.instalments = terms, 3
    people = [season["household"], season["neighbour"], HouseholdUserFactory()]
    db.session.commit()
    now = utcnow()
    subs = [
        subscriptions.subscribe(person.household_id, contract, point.id, now) for person in people
    ]
    # A fourth household shares its basket with a fifth, which accepts: they alternate.
    sharer, partner = HouseholdUserFactory(), HouseholdUserFactory(email="partage@example.org")
    db.session.commit()
    shared = subscriptions.subscribe(sharer.household_id, contract, point.id, now)
    share = subscriptions.invite_share(shared, "partage@example.org", now)
    db.session.commit()
    subscriptions.answer_share(share, True, now)
    db.session.commit()
    # Two absences for the first household, one for the second.
    calendar = subs[0].calendar
    assert len(calendar) == 12
    subscriptions.declare_absence(subs[0], calendar[3], now)
    subscriptions.declare_absence(subs[0], calendar[7], now)
    subscriptions.declare_absence(subs[1], calendar[5], now)
    db.session.commit()
    if contract.is_prepaid:  # each pays its first instalment
        coordinator = UserFactory(role="coordinator")
        for sub in [*subs, shared]:
            subscriptions.record_instalment(sub.instalments[0], "cheque", coordinator, now)
        db.session.commit()

    cycle_list = [season["cycle"]]
    for week in range(1, 12):
        cycle = week_cycle(
            db,
            season["cycle"].opens_at + timedelta(weeks=week),
            point=point,
            published=False,
            name=f"Semaine {20 + week}",
        )
        if week == 4:  # the producer brings only two baskets this week
            OfferFactory(cycle=cycle, product=season["basket"], cap=2, price_cents=1500)
        db.session.commit()
        # Publishing generates; the job run afterwards and a second run change nothing.
        cycles.publish(cycle, utcnow(), confirmed=True)
        db.session.commit()
        for _ in range(2):
            for open_cycle in subscriptions.cycles_to_generate(utcnow()):
                subscriptions.generate(open_cycle, utcnow())
            db.session.commit()
        cycle_list.append(cycle)
        if week == 8:  # the third household stops early
            subscriptions.end(subs[2], utcnow())
            db.session.commit()
        if week % 3 == 0:  # weekly extras into the first household's order
            extra = OfferFactory(cycle=cycle, product=season["eggs"].product, price_cents=420)
            db.session.commit()
            cycle.opens_at, cycle.closes_at = utcnow() - timedelta(hours=1), cycle.closes_at
            db.session.commit()
            orders.place(
                people[0],
                cycle,
                utcnow(),
                items={extra.id: 1},
                pickup_id=cycle.pickups[0].id,
                payment="pickup",
            )
            db.session.commit()

    db.session.expire_all()
    deliveries = list(db.session.scalars(select(Delivery)))
    # Exactly once per subscription and cycle, and per subscription and day.
    assert len({(d.subscription_id, d.cycle_id) for d in deliveries}) == len(deliveries)
    assert len({(d.subscription_id, d.day) for d in deliveries}) == len(deliveries)
    by_sub = Counter((d.subscription_id, d.status.value) for d in deliveries)
    first, second, third = (sub.id for sub in subs)
    # The shortage week: two baskets for four, in the households' lock order.
    shorts = [d for d in deliveries if d.status == "short"]
    assert len(shorts) == 2
    assert by_sub[(first, "absent")] == 2 and by_sub[(second, "absent")] == 1
    assert by_sub[(third, "delivered")] + by_sub[(third, "short")] == 9  # ended after week 8
    assert sum(by_sub[(first, s)] for s in ("delivered", "absent", "short")) == 12
    # Each delivered delivery is one contract line in its order, and no line is without one.
    contract_lines = list(
        db.session.scalars(
            select(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.subscription_id.is_not(None), Order.status == OrderStatus.PLACED)
        )
    )
    delivered = [d for d in deliveries if d.status == "delivered"]
    assert len(contract_lines) == len(delivered)
    assert sum(line.quantity for line in contract_lines) == len(delivered)
    # The shared basket: every delivery once, in the order of the household whose turn it
    # was, the two households in turn from the first delivery after accepting.
    db.session.refresh(shared)
    mine = sorted((d for d in deliveries if d.subscription_id == shared.id), key=lambda d: d.day)
    assert [d.day for d in mine] == shared.calendar and len(mine) == 12
    assert shared.shared.starts_on == shared.calendar[1]  # the first was made on subscribing
    owners = []
    for delivery in mine:
        if delivery.status == "delivered":
            order = db.session.get(Order, delivery.order_id)
            assert order.household_id == shared.household_for(delivery.day)
            owners.append(order.household_id)
    turns = [shared.household_for(day) for day in shared.calendar[1:]]
    assert turns == [partner.household_id, sharer.household_id] * 5 + [partner.household_id]
    assert shared.household_for(shared.calendar[0]) == sharer.household_id
    assert set(owners) == {sharer.household_id, partner.household_id}
    # Every charge agrees with the ledger: each household owes what its orders come to, less
    # the baskets its contract paid; a contract's account holds what was paid beyond them.
    price = contract.price_cents
    for person in [*people, sharer, partner]:
        placed = list(
            db.session.scalars(
                select(Order).where(
                    Order.household_id == person.household_id, Order.status == OrderStatus.PLACED
                )
            )
        )
        owed = sum(o.total_cents for o in placed)
        if contract.is_prepaid:
            owed -= price * sum(1 for d in delivered if d.order_id in {o.id for o in placed})
        if contract.is_prepaid and person is people[2]:  # settled at its early end
            owed += price * (by_sub[(third, "delivered")]) - subs[2].paid_cents
        assert balance(db, f"household:{person.household_id}") == owed
    if contract.is_prepaid:
        for sub in [*subs, shared]:
            db.session.refresh(sub)
            made = sum(1 for d in delivered if d.subscription_id == sub.id)
            account = balance(db, f"contract:{sub.id}")
            if sub is subs[2]:
                assert account == 0 and sub.settled_at is not None
                assert {i.status for i in sub.instalments[1:]} == {InstalmentStatus.CANCELLED}
            else:
                assert account == price * made - sub.paid_cents == sub.balance_cents
                # What is paid and still due comes to the season less absences and shortages.
                assert sub.paid_cents + sub.owed_cents == sub.expected_cents
    assert verify().ok
    assert verify_orders().ok
