"""A whole season: eight weekly cycles, two of them in the same week, every payment mode,
pickup-day changes, no-shows under both policies, payouts. Every order number is unique, every
summary reconciles, the ledger verifies, producers are paid to zero, and every household
received exactly the messages it should (replays send nothing twice)."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

from sqlalchemy import select

from market.catalog.services import set_bank_account
from market.exports.data import cycle_data
from market.exports.summary import cycle_summary
from market.ledger.accounts import producer_key
from market.ledger.builders import post_credit_topup, post_payment_received
from market.ledger.statements import account_balance
from market.ledger.verify import verify
from market.mail.models import OutboxMessage
from market.money import decimal_text
from market.orders import services as orders
from market.payouts import services as payouts
from market.pickup import services as pickup_day
from market.pickup.reminders import remind
from market.timeutil import from_hub_wall_clock, to_hub_time
from tests.factories import (
    CollectionPointFactory,
    CyclePickupFactory,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProducerFactory,
    ProductFactory,
)

BANK = ["FR1420041010050500013M02606", "FR7630006000011234567890189"]


def schedule(week: int, monday):
    """Cycle `week` opens on Monday 10:00 and closes Friday 20:00; the eighth opens the same
    week as the seventh, on its Friday, and closes on Saturday."""
    day = monday + timedelta(days=7 * min(week, 6))
    if week == 7:
        opens, closes = (
            from_hub_wall_clock(day + timedelta(days=4), time(21)),
            from_hub_wall_clock(day + timedelta(days=5), time(20)),
        )
    else:
        opens, closes = (
            from_hub_wall_clock(day, time(10)),
            from_hub_wall_clock(day + timedelta(days=4), time(20)),
        )
    return opens, closes, closes + timedelta(hours=16), closes + timedelta(hours=19)


def test_a_whole_season(app, db):
    app.config.update(HUB_IBAN=BANK[1], HUB_BIC="AGRIFRPP")
    today = to_hub_time(datetime.now(UTC)).date()
    monday = today - timedelta(days=today.weekday() + 7 * 10)
    farm, dairy = ProducerFactory(name="Ferme Lafitte"), ProducerFactory(name="Laiterie")
    set_bank_account(farm, BANK[0], "")
    set_bank_account(dairy, BANK[1], "")
    point = CollectionPointFactory(name="Bourg")
    people = {
        name: HouseholdUserFactory(name=name) for name in ("cash", "credit", "online", "lapsed")
    }
    people["credit"].reminders = False  # switched off in the profile
    post_credit_topup(people["credit"].household_id, 100_000, "cheque", "avance", "topup")
    expected = Counter()
    cycles = []
    for week in range(8):
        opens, closes, starts, ends = schedule(week, monday)
        cycle = OrderCycleFactory(
            name=f"Saison {week}",
            opens_at=opens,
            closes_at=closes,
            published_at=opens - timedelta(days=1),
            pickups=[],
        )
        pickup = CyclePickupFactory(
            cycle=cycle, collection_point=point, starts_at=starts, ends_at=ends
        )
        carrots = OfferFactory(
            cycle=cycle,
            product=ProductFactory(producer=farm, name=f"Carottes {week}", price_cents=250),
        )
        squash = OfferFactory(
            cycle=cycle,
            product=ProductFactory(
                producer=farm,
                name=f"Potimarron {week}",
                unit="kg",
                price_cents=299,
                sold_by_weight=True,
                estimated_weight_grams=1500,
            ),
        )
        cheese = OfferFactory(
            cycle=cycle,
            product=ProductFactory(
                producer=dairy, name=f"Tomme {week}", price_cents=1233, vat_basis_points=550
            ),
        )
        cycles.append(cycle)
        during = opens + timedelta(hours=1)
        ordering = {"cash": "pickup", "credit": "credit"}
        if week % 2 == 0:
            ordering["online"] = "pickup"
        if week < 3:
            ordering["lapsed"] = "pickup"
        placed = {}
        for name, payment in ordering.items():
            placed[name] = orders.place(
                people[name],
                cycle,
                during,
                pickup_id=pickup.id,
                payment=payment,
                submission=f"s{week}{name}",
                items={carrots.id: 2, cheese.id: 1, squash.id: 1},
            )
            expected[name] += 1  # confirmation
            # The same form sent twice: one order, one message.
            orders.place(
                people[name],
                cycle,
                during,
                pickup_id=pickup.id,
                payment=payment,
                submission=f"s{week}{name}",
                items={carrots.id: 2},
            )
        # Adding through the cart changes the order: "order changed", not a confirmation.
        orders.place(
            people["cash"],
            cycle,
            during,
            pickup_id=pickup.id,
            payment="pickup",
            submission=f"more{week}",
            items={carrots.id: 1},
        )
        expected["cash"] += 1
        db.session.commit()

        # The day before close: who ordered lately but not now is reminded.
        before_close = closes - timedelta(hours=2)
        recent = {
            name
            for name, weeks in (("online", range(0, 8, 2)), ("lapsed", range(3)))
            if any(week - 4 <= w < week for w in weeks) and name not in ordering
        }
        for name in recent:
            expected[name] += 1
        remind(before_close)
        remind(before_close)  # run again: nothing twice
        db.session.commit()

        # The day before pickup: each household with an order (and reminders on).
        for name in ordering:
            expected[name] += name != "credit"
        remind(starts - timedelta(hours=2))
        db.session.commit()

        # Pickup day.
        during_pickup = starts + timedelta(minutes=30)
        if week == 2:
            line = next(line for line in placed["cash"].lines if line.offer_id == carrots.id)
            pickup_day.mark_missing(placed["cash"], line.id, "1", during_pickup)
        if week == 4:
            line = next(line for line in placed["cash"].lines if line.offer_id == squash.id)
            pickup_day.record_weight(placed["cash"], line.id, "1,733", during_pickup)
        no_show = week in (3, 5)
        app.config["HUB_NO_SHOW_POLICY"] = "cancel" if week == 5 else "charge"
        if no_show:
            pickup_day.mark_no_show(placed["cash"], during_pickup)
            pickup_day.mark_no_show(placed["cash"], during_pickup)  # tapped twice
            expected["cash"] += 1
        else:
            pickup_day.record_payment(
                placed["cash"],
                decimal_text(pickup_day.order_amount(placed["cash"])),
                "cash",
                f"cash{week}",
                during_pickup,
            )
        if "lapsed" in placed:
            method = ("cheque", "card", "transfer")[week]
            pickup_day.record_payment(
                placed["lapsed"],
                decimal_text(pickup_day.order_amount(placed["lapsed"])),
                method,
                f"lapsed{week}",
                during_pickup,
            )
        if "online" in placed:
            online = placed["online"]
            post_payment_received(
                online.household_id,
                pickup_day.order_amount(online),
                "stripe",
                online.reference,
                f"stripe-{week}",
                order_id=online.id,
            )
        db.session.commit()

        # After pickup: a receipt for each order handed over.
        for name in ordering:
            expected[name] += not (no_show and name == "cash")
        remind(ends + timedelta(hours=1))
        remind(ends + timedelta(hours=2))
        db.session.commit()

        summary = cycle_summary(cycle_data(cycle.id))
        assert summary.reconciled_cents == summary.total("sales_cents") > 0
        if week == 3:
            assert summary.due_cents > 0  # the no-show stays due under "charge"

    # Producers paid for every cycle: their balances are zero.
    for cycle in cycles:
        payouts.confirm(
            [cycle], label=cycle.name, execution_date=today, key=uuid4().hex, created_by_id=None
        )
    db.session.commit()
    assert account_balance(producer_key(farm.id)) == 0
    assert account_balance(producer_key(dairy.id)) == 0

    references = db.session.scalars(select(orders.Order.reference)).all()
    assert len(references) == len(set(references)) == 8 + 8 + 4 + 3
    assert verify().ok
    sent = Counter()
    by_email = {user.email: name for name, user in people.items()}
    for message in db.session.scalars(select(OutboxMessage)):
        if message.recipient in by_email:
            sent[by_email[message.recipient]] += 1
    assert sent == expected
