"""Counting log-in attempts in the shared database, atomically.

Each attempt is counted before its password is checked, by one INSERT … ON CONFLICT DO
UPDATE … RETURNING in its own short transaction: simultaneous guesses each get their own
number, so no more than the limit are ever checked. An attempt that succeeds gives its count
back. The app's servers share the database (not necessarily anything else), hence the table.
"""

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, literal, update

from market.auth.models import LoginThrottle
from market.extensions import db
from market.timeutil import utcnow
from market.upsert import upsert_into


def throttle_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def count_attempt(key: str) -> int:
    """Count one attempt under `key`; returns its number in the current window (1, 2, …)."""
    table = LoginThrottle.__table__
    now = literal(utcnow(), type_=table.c.window_started_at.type)
    first = upsert_into(table).values(key=key, window_started_at=now, attempts=1)
    expired = table.c.window_started_at <= utcnow() - window()
    statement = first.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "attempts": case((expired, 1), else_=table.c.attempts + 1),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
        },
    ).returning(table.c.attempts)
    # Its own transaction, committed at once: the count holds whatever the request does next.
    with db.engine.begin() as connection:
        return connection.execute(statement).scalar_one()


def give_back(key: str) -> None:
    """An attempt that succeeded does not count against an address (with the request's
    transaction, like the log-in it belongs to)."""
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )


def clear(key: str) -> None:
    """The owner got in (or reset the password): the account's failures are forgiven."""
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(attempts=0))
