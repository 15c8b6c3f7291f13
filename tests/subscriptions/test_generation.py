"""Each subscription's delivery becomes a line of the household's one order in the cycle:
once, whatever replays it; a shortage is recorded and mailed, never dropped."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from market.cycles import services as cycles
from market.ledger.models import LedgerTransaction
from market.ledger.verify import verify
from market.orders import services as orders
from market.orders.checks import verify_orders
from market.orders.errors import OrderRefused
from market.orders.models import Order, OrderLine
from market.subscriptions import services as subscriptions
from market.subscriptions.cli import generate_command
from market.subscriptions.models import Delivery, Subscription
from market.timeutil import utcnow
from tests.factories import OfferFactory
from tests.helpers import outbox
from tests.subscriptions.conftest import week_cycle


def subscribe(db, season, user_key="household"):
    subscription = subscriptions.subscribe(
        season[user_key].household_id, season["contract"], season["point"].id, utcnow()
    )
    db.session.commit()
    return subscription


def snapshot(db):
    return (
        db.session.scalar(select(func.count()).select_from(Delivery)),
        db.session.scalar(select(func.count()).select_from(Order)),
        db.session.scalar(select(func.sum(OrderLine.quantity))),
        db.session.scalar(select(func.count()).select_from(LedgerTransaction)),
        len(outbox(db)),
    )


def test_replaying_generation_changes_nothing(app, db, season):
    subscribe(db, season)
    subscribe(db, season, "neighbour")
    before = snapshot(db)
    assert before[:3] == (2, 2, 2)
    assert subscriptions.generate(season["cycle"], utcnow()) == {
        "delivered": 0,
        "absent": 0,
        "short": 0,
    }
    db.session.commit()
    result = CliRunner().invoke(generate_command, catch_exceptions=False)
    assert result.exit_code == 0
    assert "0 delivered" in result.output
    db.session.expire_all()
    assert snapshot(db) == before
    assert verify().ok and verify_orders().ok


def test_publishing_a_cycle_generates_its_deliveries(app, db, season):
    subscription = subscribe(db, season)
    second = week_cycle(
        db,
        season["cycle"].opens_at + timedelta(weeks=1),
        point=season["point"],
        published=False,
        name="Semaine 21",
    )
    db.session.commit()
    cycles.publish(second, utcnow(), confirmed=True)
    db.session.commit()
    db.session.expire_all()
    assert [d.cycle_id for d in subscription.deliveries] == [season["cycle"].id, second.id]
    order = orders.household_order(subscription.household_id, second.id)
    assert [line.from_contract for line in order.lines] == [True]
    # The job run afterwards finds nothing left to do.
    result = CliRunner().invoke(generate_command, catch_exceptions=False)
    assert "Semaine 21: 0 delivered, 0 absent, 0 short" in result.output


def test_every_other_cycle_skips_a_week(app, db, season):
    season["contract"].every_cycles = 2
    db.session.commit()
    subscription = subscribe(db, season)
    second = week_cycle(db, season["cycle"].opens_at + timedelta(weeks=1), point=season["point"])
    third = week_cycle(db, season["cycle"].opens_at + timedelta(weeks=2), point=season["point"])
    db.session.commit()
    for cycle in (second, third):
        subscriptions.generate(cycle, utcnow())
    db.session.commit()
    db.session.expire_all()
    assert [d.cycle_id for d in subscription.deliveries] == [season["cycle"].id, third.id]


def test_an_absence_is_neither_delivered_nor_charged(app, db, season):
    subscription = subscribe(db, season)
    second = week_cycle(db, season["cycle"].opens_at + timedelta(weeks=1), point=season["point"])
    db.session.commit()
    subscriptions.declare_absence(subscription, subscription.calendar[1], utcnow())
    subscriptions.generate(second, utcnow())
    db.session.commit()
    delivery = db.session.scalar(select(Delivery).where(Delivery.cycle_id == second.id))
    assert delivery.status == "absent"
    assert orders.household_order(subscription.household_id, second.id) is None


def test_a_shortage_is_recorded_and_mailed_to_household_and_producer(app, db, season):
    subscribe(db, season)
    second = week_cycle(db, season["cycle"].opens_at + timedelta(weeks=1), point=season["point"])
    OfferFactory(cycle=second, product=season["basket"], cap=0)
    db.session.commit()
    assert subscriptions.generate(second, utcnow())["short"] == 1
    db.session.commit()
    delivery = db.session.scalar(select(Delivery).where(Delivery.cycle_id == second.id))
    assert delivery.status == "short" and "épuisé" in delivery.reason
    recipients = {message.recipient for message in outbox(db)}
    assert {"famille@example.org", "ferme@example.org"} <= recipients
    before = snapshot(db)
    subscriptions.generate(second, utcnow())
    db.session.commit()
    assert snapshot(db) == before  # reported once
    assert verify_orders().ok


def test_extras_join_the_generated_order_and_the_cycle_closes_with_both(app, db, season):
    subscription = subscribe(db, season)
    user = season["household"]
    cycle = season["cycle"]
    order = orders.place(
        user,
        cycle,
        utcnow(),
        items={season["eggs"].id: 2},
        pickup_id=season["pickup"].id,
        payment="pickup",
    )
    db.session.commit()
    assert order.id == subscription.deliveries[0].order_id
    assert sorted((line.product_name, line.from_contract) for line in order.lines) == [
        ("Panier de légumes", True),
        ("Œufs", False),
    ]
    assert order.total_cents == 1500 + 2 * 420
    basket = next(line for line in order.lines if line.from_contract)
    with pytest.raises(OrderRefused, match="contrat"):
        orders.change(
            user, order, utcnow(), quantities={basket.offer_id: 0}, pickup_id=season["pickup"].id
        )
    db.session.rollback()
    with pytest.raises(OrderRefused, match="contrat"):
        orders.cancel(user, order, utcnow())
    db.session.rollback()
    eggs = next(line for line in order.lines if not line.from_contract)
    orders.change(
        user,
        order,
        utcnow(),
        quantities={eggs.offer_id: 3, basket.offer_id: 1},
        pickup_id=season["pickup"].id,
    )
    db.session.commit()
    cycles.close_now(cycle, utcnow())
    db.session.commit()
    db.session.expire_all()
    assert order.total_cents == 1500 + 3 * 420
    assert verify().ok and verify_orders().ok
    # Generation after the closing leaves the closed cycle alone.
    assert cycle not in subscriptions.cycles_to_generate(utcnow())


def test_a_cycle_without_the_point_reports_the_delivery_short(app, db, season):
    subscription = subscribe(db, season)
    from tests.factories import CollectionPointFactory

    second = week_cycle(
        db, season["cycle"].opens_at + timedelta(weeks=1), point=CollectionPointFactory()
    )
    db.session.commit()
    subscriptions.generate(second, utcnow())
    db.session.commit()
    db.session.expire_all()
    assert [d.status for d in subscription.deliveries] == ["delivered", "short"]


def test_ended_subscriptions_are_not_generated(app, db, season):
    subscription = subscribe(db, season)
    subscriptions.end(subscription, utcnow())
    second = week_cycle(db, season["cycle"].opens_at + timedelta(weeks=1), point=season["point"])
    db.session.commit()
    assert subscriptions.generate(second, utcnow())["delivered"] == 0
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 1
