"""Time: stored in UTC, shown and scheduled in the hub's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def hub_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_hub_time(moment: datetime) -> datetime:
    return moment.astimezone(hub_zone())
