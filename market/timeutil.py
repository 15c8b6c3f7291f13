"""Time: stored in UTC, shown and scheduled in the hub's zone."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def hub_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_hub_time(moment: datetime) -> datetime:
    return moment.astimezone(hub_zone())


def from_hub_wall_clock(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in the hub's zone (as people read their clocks)."""
    return datetime.combine(day, at, tzinfo=hub_zone()).astimezone(UTC)


def same_wall_clock_later(moment: datetime, days: int) -> datetime:
    """Move by whole days keeping the hub's wall-clock time, across daylight-saving changes."""
    local = to_hub_time(moment)
    return from_hub_wall_clock(local.date() + timedelta(days=days), local.time())
