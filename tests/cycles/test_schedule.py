"""Cycle states follow from dates and actions; schedules are validated; DST keeps wall clocks."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import force_locale

from market.cycles import services as cycles
from market.cycles.models import CycleState
from market.timeutil import from_hub_wall_clock, to_hub_time
from tests.factories import CollectionPointFactory, OrderCycleFactory


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return from_hub_wall_clock(day, time(hour, minute))


def make_cycle(db, opening_day: date, points=None):
    points = points or [CollectionPointFactory()]
    cycle = cycles.create_cycle(
        name="Semaine test",
        opens_at=at(opening_day, 18),
        note=None,
        closes_at=at(opening_day + timedelta(days=4), 23, 59),
        pickups=[
            cycles.PickupWindow(
                p,
                at(opening_day + timedelta(days=8), 16, 30),
                at(opening_day + timedelta(days=8), 19),
            )
            for p in points
        ],
    )
    db.session.flush()
    return cycle


def test_state_follows_dates_and_actions(db):
    cycle = OrderCycleFactory()
    before, during = cycle.opens_at - timedelta(hours=1), cycle.opens_at + timedelta(hours=1)
    after = cycle.closes_at + timedelta(minutes=1)
    assert cycle.state(during) == CycleState.DRAFT
    cycles.publish(cycle, before)
    assert cycle.state(before) == CycleState.SCHEDULED
    assert cycle.state(during) == CycleState.OPEN
    assert cycle.state(after) == CycleState.CLOSED
    cycles.settle(cycle, after)
    assert cycle.state(after) == CycleState.SETTLED


def test_close_early_and_extend(db):
    cycle = OrderCycleFactory()
    during = cycle.opens_at + timedelta(hours=1)
    cycles.publish(cycle, cycle.opens_at - timedelta(days=1))
    cycles.close_early(cycle, during)
    assert cycle.state(during) == CycleState.CLOSED
    cycles.extend(cycle, during, during + timedelta(days=1))
    assert cycle.state(during + timedelta(minutes=1)) == CycleState.OPEN


def test_extending_past_the_pickup_is_refused(db):
    cycle = OrderCycleFactory()
    during = cycle.opens_at + timedelta(hours=1)
    cycles.publish(cycle, cycle.opens_at - timedelta(days=1))
    closes_at = cycle.closes_at
    with pytest.raises(cycles.CycleInvalid, match="après la clôture"):
        cycles.extend(cycle, during, cycle.pickups[0].starts_at + timedelta(hours=1))
    assert cycle.closes_at == closes_at


@pytest.mark.parametrize(
    ("action", "state_maker"),
    [
        (cycles.close_early, "draft"),
        (cycles.settle, "open"),
        (cycles.publish, "open"),
    ],
)
def test_actions_in_the_wrong_state_are_refused(db, action, state_maker):
    cycle = OrderCycleFactory()
    now = cycle.opens_at + timedelta(hours=1)
    if state_maker == "open":
        cycles.publish(cycle, cycle.opens_at - timedelta(days=1))
    with pytest.raises(cycles.CycleStateError):
        action(cycle, now)


@pytest.mark.parametrize(
    ("opens", "closes", "pickup_start", "pickup_end", "message"),
    [
        (18, 17, 20, 21, "se clore après son ouverture"),
        (10, 18, 17, 19, "après la clôture"),
        (10, 18, 20, 19, "finir après avoir commencé"),
    ],
)
def test_invalid_schedules_are_refused(db, opens, closes, pickup_start, pickup_end, message):
    day = date(2026, 12, 3)
    point = CollectionPointFactory()
    with pytest.raises(cycles.CycleInvalid, match=message):
        cycles.create_cycle(
            name="X",
            opens_at=at(day, opens),
            closes_at=at(day, closes),
            note=None,
            pickups=[cycles.PickupWindow(point, at(day, pickup_start), at(day, pickup_end))],
        )


def test_a_cycle_needs_a_collection_point(db):
    day = date(2026, 12, 3)
    with pytest.raises(cycles.CycleInvalid, match="au moins un point de retrait"):
        cycles.create_cycle(
            name="X", opens_at=at(day, 10), closes_at=at(day, 18), note=None, pickups=[]
        )


@pytest.mark.parametrize(
    "opening_day",
    [
        date(2026, 10, 22),  # the next week crosses the last Sunday of October (25 Oct 2026)
        date(2027, 3, 25),  # the next week crosses the last Sunday of March (28 Mar 2027)
    ],
)
def test_next_week_keeps_the_wall_clock_across_daylight_saving(db, opening_day):
    previous = make_cycle(db, opening_day)
    following = cycles.prepare_next_week()
    for before, after in [
        (previous.opens_at, following.opens_at),
        (previous.closes_at, following.closes_at),
        (previous.pickups[0].starts_at, following.pickups[0].starts_at),
        (previous.pickups[0].ends_at, following.pickups[0].ends_at),
    ]:
        assert to_hub_time(after).time() == to_hub_time(before).time()
        assert to_hub_time(after).date() == to_hub_time(before).date() + timedelta(days=7)
    # The opening crosses the change: an hour more or less of real time, same clock time.
    assert abs(following.opens_at - previous.opens_at - timedelta(days=7)) == timedelta(hours=1)
    assert following.published_at is None
    pickup_week = to_hub_time(following.pickups[0].starts_at).isocalendar().week
    assert following.name == f"Semaine {pickup_week}"


def test_next_week_copies_the_collection_points_and_note(db):
    points = [CollectionPointFactory(), CollectionPointFactory()]
    previous = make_cycle(db, date(2026, 11, 26), points)
    previous.note = "Rapportez les bocaux."
    following = cycles.prepare_next_week()
    assert [p.collection_point for p in following.pickups] == points
    assert following.note == "Rapportez les bocaux."


def test_next_week_without_any_cycle_is_explained(db):
    with pytest.raises(cycles.CycleInvalid, match="pas encore de cycle à reprendre"):
        cycles.prepare_next_week()


def test_overlapping_cycles_the_open_one_is_shown_and_the_next_announced(db):
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    current = OrderCycleFactory(opens_at=now - timedelta(days=3), published_at=now)
    following = OrderCycleFactory(opens_at=now + timedelta(days=2), published_at=now)
    assert cycles.open_cycle(now) == current
    assert cycles.next_cycle(now) == following


def test_times_are_written_the_french_way(app, db):
    starts = from_hub_wall_clock(date(2026, 12, 4), time(16, 30))
    ends = from_hub_wall_clock(date(2026, 12, 4), time(19, 0))
    with force_locale("fr"):
        # No-break spaces: "16 h 30" never splits across two lines.
        assert (
            cycles.format_window(starts, ends)
            == "vendredi 4 décembre, 16\u00a0h\u00a030 – 19\u00a0h"
        )
    with force_locale("en"):
        assert cycles.format_window(starts, ends) == "Friday 4 December, 16:30 – 19:00"


def test_next_week_follows_the_planned_schedule_not_an_early_close(db):
    """A cycle closed early with "close now" still gives next week its full window."""
    previous = make_cycle(db, date(2026, 11, 26))
    planned = previous.closes_at
    cycles.publish(previous, previous.opens_at - timedelta(hours=1))
    cycles.close_early(previous, previous.opens_at + timedelta(minutes=25))
    assert previous.closes_at < planned and previous.scheduled_closes_at == planned
    following = cycles.prepare_next_week()
    assert following.opens_at == previous.opens_at + timedelta(days=7)
    assert following.closes_at == planned + timedelta(days=7)
    assert cycles.schedule_warnings(following) == []


def test_next_week_gets_a_name_no_other_cycle_has(db):
    first = make_cycle(db, date(2026, 11, 26))
    second = cycles.prepare_next_week()
    week = to_hub_time(second.pickups[0].starts_at).isocalendar().week
    # A second distribution the same week: another name, then yet another.
    first.name = f"Semaine {week + 1}"
    db.session.flush()
    third = cycles.prepare_next_week()
    assert third.name == f"Semaine {week + 1}, 2026"
    names = [first.name, second.name, third.name]
    assert len(set(names)) == 3
    with pytest.raises(cycles.CycleInvalid, match="déjà"):
        cycles.create_cycle(
            name=f"semaine {week}",
            opens_at=first.opens_at,
            closes_at=first.closes_at,
            note=None,
            pickups=[
                cycles.PickupWindow(p.collection_point, p.starts_at, p.ends_at)
                for p in first.pickups
            ],
        )


def test_publishing_warns_of_a_short_or_overlapping_window(db):
    cycle = make_cycle(db, date(2026, 11, 26))
    short = cycles.create_cycle(
        name="Courte",
        opens_at=cycle.opens_at + timedelta(days=1),
        closes_at=cycle.opens_at + timedelta(days=1, minutes=25),
        note=None,
        pickups=[
            cycles.PickupWindow(p.collection_point, p.starts_at, p.ends_at) for p in cycle.pickups
        ],
    )
    warnings = cycles.schedule_warnings(short)
    assert len(warnings) == 2 and "moins d’un jour" in warnings[0] and "Semaine test" in warnings[1]
    before = short.opens_at - timedelta(days=2)
    with pytest.raises(cycles.CycleStateError, match="Vérifiez « Courte »"):
        cycles.publish(short, before)
    assert short.published_at is None
    cycles.publish(short, before, confirmed=True)
    assert short.published_at == before


def test_the_cycle_list_shows_the_warnings_and_publishing_needs_the_confirmation(
    db, coordinator_client
):
    cycle = make_cycle(db, date(2030, 11, 28))
    cycle.closes_at = cycle.opens_at + timedelta(hours=2)
    db.session.commit()
    page = coordinator_client.get("/coordination/cycles").get_data(as_text=True)
    assert "moins d’un jour" in page and "Publier quand même" in page
    coordinator_client.post(f"/coordination/cycles/{cycle.id}/publish")
    assert cycle.published_at is None
    coordinator_client.post(f"/coordination/cycles/{cycle.id}/publish", data={"confirm": "1"})
    assert cycle.published_at is not None
