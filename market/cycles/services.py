"""Cycle and collection-point operations. They flush, never commit."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from market.cycles.errors import CycleInvalid, CycleStateError
from market.cycles.models import CollectionPoint, CyclePickup, CycleState, OrderCycle
from market.cycles.offers import carry_over
from market.cycles.signals import cycle_closed, cycle_published, cycle_settled
from market.extensions import UTCDateTime, db
from market.timeutil import hub_zone, same_wall_clock_later, to_hub_time

WEEK = 7


@dataclass(frozen=True)
class PickupWindow:
    collection_point: CollectionPoint
    starts_at: datetime
    ends_at: datetime


def active_collection_points() -> list[CollectionPoint]:
    query = select(CollectionPoint).where(CollectionPoint.active).order_by(CollectionPoint.name)
    return list(db.session.scalars(query))


def all_collection_points() -> list[CollectionPoint]:
    return list(db.session.scalars(select(CollectionPoint).order_by(CollectionPoint.name)))


def save_collection_point(point: CollectionPoint | None, **fields) -> CollectionPoint:
    point = point or CollectionPoint()
    for name, value in fields.items():
        setattr(point, name, value)
    db.session.add(point)
    db.session.flush()
    return point


def check_schedule(opens_at: datetime, closes_at: datetime, pickups: list[PickupWindow]) -> None:
    if closes_at <= opens_at:
        raise CycleInvalid(_l("The cycle must close after it opens."))
    if not pickups:
        raise CycleInvalid(_l("Choose at least one collection point."))
    for window in pickups:
        name = window.collection_point.name
        if window.ends_at <= window.starts_at:
            raise CycleInvalid(_l("At %(point)s, the pickup must end after it starts.", point=name))
        if window.starts_at < closes_at:
            raise CycleInvalid(
                _l("At %(point)s, the pickup must come after the cycle closes.", point=name)
            )


def set_schedule(
    cycle: OrderCycle, opens_at: datetime, closes_at: datetime, pickups: list[PickupWindow]
) -> None:
    check_schedule(opens_at, closes_at, pickups)
    cycle.opens_at, cycle.closes_at = opens_at, closes_at
    cycle.planned_closes_at = None
    by_point = {pickup.collection_point_id: pickup for pickup in cycle.pickups}
    kept = []
    for window in pickups:
        pickup = by_point.get(window.collection_point.id) or CyclePickup(
            collection_point=window.collection_point
        )
        pickup.starts_at, pickup.ends_at = window.starts_at, window.ends_at
        kept.append(pickup)
    cycle.pickups = kept


def require_unique_name(name: str, cycle: OrderCycle | None = None) -> str:
    """The name, stripped; refused when another cycle has it (lists and mails name cycles)."""
    name = name.strip()
    query = select(OrderCycle.id).where(func.lower(OrderCycle.name) == name.lower())
    if cycle is not None and cycle.id is not None:
        query = query.where(OrderCycle.id != cycle.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise CycleInvalid(
            _l("Another cycle is already called « %(name)s »: choose another name.", name=name)
        )
    return name


def create_cycle(
    *,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    note: str | None,
    pickups: list[PickupWindow],
) -> OrderCycle:
    cycle = OrderCycle(name=require_unique_name(name), note=note or None)
    set_schedule(cycle, opens_at, closes_at, pickups)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def require_state(cycle: OrderCycle, now: datetime, *allowed: CycleState) -> CycleState:
    state = cycle.state(now)
    if state not in allowed:
        raise CycleStateError(
            _l("This is not possible while the cycle is %(state)s.", state=STATE_LABELS[state])
        )
    return state


def update_cycle(
    cycle: OrderCycle,
    now: datetime,
    *,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    note: str | None,
    pickups: list[PickupWindow],
) -> None:
    require_state(cycle, now, CycleState.DRAFT, CycleState.SCHEDULED)
    cycle.name, cycle.note = require_unique_name(name, cycle), note or None
    set_schedule(cycle, opens_at, closes_at, pickups)
    db.session.flush()


def publish(cycle: OrderCycle, now: datetime, *, confirmed: bool = False) -> None:
    """Publish a draft; one whose schedule looks wrong only once the coordinator, warned,
    confirms it."""
    require_state(cycle, now, CycleState.DRAFT)
    if cycle.closes_at <= now:
        raise CycleInvalid(_l("This cycle's closing time has passed: change its dates first."))
    warnings = schedule_warnings(cycle)
    if warnings and not confirmed:
        raise CycleStateError(
            _l(
                "Check « %(name)s » before publishing it: %(warnings)s",
                name=cycle.name,
                warnings=" ".join(warnings),
            )
        )
    cycle.published_at = now
    db.session.flush()
    cycle_published.send(cycle, now=now)


def close_early(cycle: OrderCycle, now: datetime) -> None:
    require_state(cycle, now, CycleState.OPEN)
    cycle.planned_closes_at = cycle.scheduled_closes_at
    cycle.closes_at = now
    cycle.closed_early_at = now
    db.session.flush()


def close_now(cycle: OrderCycle, now: datetime) -> None:
    """The coordinator's "close now": the cycle closes and says so, so that what follows a
    closing (each producer's list mailed) happens at once."""
    close_early(cycle, now)
    cycle_closed.send(cycle, now=now)


def extend(cycle: OrderCycle, now: datetime, closes_at: datetime) -> None:
    require_state(cycle, now, CycleState.OPEN, CycleState.CLOSED)
    if closes_at <= now:
        raise CycleInvalid(_l("The new closing time must be in the future."))
    windows = [PickupWindow(p.collection_point, p.starts_at, p.ends_at) for p in cycle.pickups]
    check_schedule(cycle.opens_at, closes_at, windows)
    cycle.closes_at = closes_at
    cycle.closed_early_at = cycle.planned_closes_at = None
    db.session.flush()


def settle(cycle: OrderCycle, now: datetime) -> None:
    require_state(cycle, now, CycleState.CLOSED)
    cycle.settled_at = now
    db.session.flush()
    cycle_settled.send(cycle, now=now)


def latest_cycle() -> OrderCycle | None:
    return db.session.scalar(select(OrderCycle).order_by(OrderCycle.opens_at.desc()).limit(1))


def unused_name(pickup_at: datetime) -> str:
    """'Week 49' from the week of the pickup; with its year, then a number, when taken."""
    local = to_hub_time(pickup_at)
    year, week, _day = local.isocalendar()
    candidates = [
        str(_l("Week %(number)d", number=week)),
        str(_l("Week %(number)d, %(year)d", number=week, year=year)),
    ]
    taken = {
        name.lower()
        for name in db.session.scalars(
            select(OrderCycle.name).where(OrderCycle.name.like(f"%{week}%"))
        )
    }
    for candidate in candidates:
        if candidate.lower() not in taken:
            return candidate
    return next(
        f"{candidates[1]} ({n})"
        for n in range(2, len(taken) + 3)
        if f"{candidates[1]} ({n})".lower() not in taken
    )


def prepare_next_week() -> OrderCycle:
    """A draft one week after the latest cycle's planned schedule (not the moment "close
    now" ended it): same weekday and hours, same points, a name no other cycle has."""
    previous = latest_cycle()
    if previous is None:
        raise CycleInvalid(_l("There is no cycle to copy yet: create the first one."))
    pickups = [
        PickupWindow(
            pickup.collection_point,
            same_wall_clock_later(pickup.starts_at, WEEK),
            same_wall_clock_later(pickup.ends_at, WEEK),
        )
        for pickup in previous.pickups
        if pickup.collection_point.active
    ]
    opens_at = same_wall_clock_later(previous.opens_at, WEEK)
    first_pickup = min((window.starts_at for window in pickups), default=opens_at)
    cycle = create_cycle(
        name=unused_name(first_pickup),
        opens_at=opens_at,
        closes_at=same_wall_clock_later(previous.scheduled_closes_at, WEEK),
        note=previous.note,
        pickups=pickups,
    )
    carry_over(previous, cycle)
    return cycle


MINIMUM_WINDOW = timedelta(days=1)


def schedule_warnings(cycle: OrderCycle, others: list[OrderCycle] | None = None) -> list[str]:
    """What the coordinator should see before publishing: an ordering window shorter than a
    day, or one that overlaps another cycle's (among `others`, else all cycles)."""
    warnings = []
    if cycle.closes_at - cycle.opens_at < MINIMUM_WINDOW:
        warnings.append(
            str(
                _l(
                    "Orders would be open for less than a day (%(hours)s).",
                    hours=format_duration(cycle.closes_at - cycle.opens_at),
                )
            )
        )
    if others is None:
        others = list(
            db.session.scalars(
                select(OrderCycle).where(
                    OrderCycle.opens_at < cycle.closes_at, OrderCycle.closes_at > cycle.opens_at
                )
            )
        )
    overlapping = sorted(
        (
            other
            for other in others
            if other.id != cycle.id
            and other.opens_at < cycle.closes_at
            and other.closes_at > cycle.opens_at
        ),
        key=lambda c: c.opens_at,
    )
    if overlapping:
        warnings.append(
            str(
                _l(
                    "Its ordering window overlaps that of %(names)s.",
                    names=", ".join(f"« {other.name} »" for other in overlapping),
                )
            )
        )
    return warnings


def format_duration(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return str(_l("%(hours)d h %(minutes)02d", hours=minutes // 60, minutes=minutes % 60))


def cycles_newest_first(limit: int = 100) -> list[OrderCycle]:
    query = (
        select(OrderCycle)
        .options(selectinload(OrderCycle.pickups).joinedload(CyclePickup.collection_point))
        .order_by(OrderCycle.opens_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@cache
def published_cycles_query() -> Select:
    """Built once: every request asks it (market/cycles/current.py)."""
    return (
        select(OrderCycle)
        .options(joinedload(OrderCycle.pickups).joinedload(CyclePickup.collection_point))
        .where(
            OrderCycle.published_at.is_not(None),
            OrderCycle.settled_at.is_(None),
            OrderCycle.closes_at > bindparam("now", type_=UTCDateTime()),
        )
        .order_by(OrderCycle.opens_at)
    )


def published_cycles_around(now: datetime) -> list[OrderCycle]:
    """Published cycles not yet closed, with their pickups and points, in one query (the
    rows are few: a cycle or two, times a handful of collection points)."""
    return list(db.session.scalars(published_cycles_query(), {"now": now}).unique())


def open_among(cycles: list[OrderCycle], now: datetime) -> OrderCycle | None:
    """The cycle households order in now; when two overlap, the one closing first."""
    candidates = [c for c in cycles if c.state(now) == CycleState.OPEN]
    return min(candidates, key=lambda c: c.closes_at, default=None)


def next_among(cycles: list[OrderCycle], now: datetime) -> OrderCycle | None:
    candidates = [c for c in cycles if c.state(now) == CycleState.SCHEDULED]
    return min(candidates, key=lambda c: c.opens_at, default=None)


def open_cycle(now: datetime) -> OrderCycle | None:
    return open_among(published_cycles_around(now), now)


def next_cycle(now: datetime) -> OrderCycle | None:
    return next_among(published_cycles_around(now), now)


def format_moment(moment: datetime) -> str:
    """'lundi 30 novembre à 23 h 59' in French; the hub's zone."""
    return str(
        _l(
            "%(day)s at %(time)s",
            day=format_date(to_hub_time(moment), "EEEE d MMMM"),
            time=format_clock(moment),
        )
    )


def format_clock(moment: datetime) -> str:
    local = to_hub_time(moment)
    if local.minute:
        return str(_l("%(hour)d:%(minute)02d", hour=local.hour, minute=local.minute))
    return str(_l("%(hour)d:00", hour=local.hour))


def format_window(starts_at: datetime, ends_at: datetime) -> str:
    """'vendredi 4 décembre, 16 h 30 – 19 h' in French."""
    return window_text(starts_at, ends_at, str(get_locale()), str(hub_zone()))


@lru_cache(maxsize=256)
def window_text(starts_at: datetime, ends_at: datetime, locale: str, zone: str) -> str:
    """format_window's text, worked out once per window, language and zone in each process:
    the cart and every order's page show each pickup's."""
    day = format_date(to_hub_time(starts_at), "EEEE d MMMM")
    return f"{day}, {format_clock(starts_at)} – {format_clock(ends_at)}"


ACTIONS_BY_STATE = {
    CycleState.DRAFT: ("publish",),
    CycleState.OPEN: ("close",),
    CycleState.CLOSED: ("settle",),
}
EDITABLE_STATES = (CycleState.DRAFT, CycleState.SCHEDULED)
EXTENDABLE_STATES = (CycleState.OPEN, CycleState.CLOSED)


def cycle_rows(now: datetime) -> list[dict]:
    """What the coordinator's list shows and offers for each cycle."""
    rows = []
    listed = cycles_newest_first()
    for cycle in listed:
        state = cycle.state(now)
        rows.append(
            {
                "cycle": cycle,
                "state": state,
                "actions": ACTIONS_BY_STATE.get(state, ()),
                "warnings": (schedule_warnings(cycle, listed) if state == CycleState.DRAFT else []),
                "editable": state in EDITABLE_STATES,
                "extendable": state in EXTENDABLE_STATES,
            }
        )
    return rows


STATE_LABELS = {
    CycleState.DRAFT: _l("draft"),
    CycleState.SCHEDULED: _l("scheduled"),
    CycleState.OPEN: _l("open"),
    CycleState.CLOSED: _l("closed"),
    CycleState.SETTLED: _l("settled"),
}
