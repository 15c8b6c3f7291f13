"""Serialise the requests that change one row: each takes the row's lock first, then reads it.

A double tap, two tabs or two app servers send the same change at once; whoever comes second
must wait for the first to commit and then see what it did. PostgreSQL locks the row
(SELECT … FOR UPDATE) and each later statement reads what was committed meanwhile. SQLite
locks the whole database for writing: a write that changes nothing takes that lock, and
reads made after it see every other writer's work.
"""

from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Select, bindparam, select, text

from market.extensions import db


def rows_changed(statement: Executable, params: dict[str, Any] | None = None) -> int:
    """How many rows an UPDATE changed. The session answers such a statement with a
    CursorResult, which its declared type (any Result) does not say."""
    return cast(CursorResult, db.session.execute(statement, params)).rowcount


def lock_row(model, row_id: int) -> bool:
    """Hold the row of `model` with this id until the transaction ends; whether it exists.

    Objects of it already in the session keep their old values: read them again after."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = model.__table__.name  # a model's own table name, not outside input
        statement = text(f"UPDATE {table} SET id = id WHERE id = :id")  # noqa: S608
        return rows_changed(statement, {"id": row_id}) == 1
    return db.session.execute(lock_query(model), {"row_id": row_id}).first() is not None


@cache
def lock_query(model) -> Select:
    """SELECT … FOR UPDATE of one row of `model`, built once per model."""
    return select(model.id).where(model.id == bindparam("row_id")).with_for_update()
