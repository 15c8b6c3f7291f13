"""INSERT … ON CONFLICT on either database: PostgreSQL and SQLite write it alike, but
SQLAlchemy has one insert construct per dialect."""

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from sqlalchemy.dialects import postgresql, sqlite

from market.extensions import db

Upsert = postgresql.Insert | sqlite.Insert
Statement = TypeVar("Statement")


def upsert_into(table) -> Upsert:
    """An insert into `table` that takes `on_conflict_do_update` / `on_conflict_do_nothing`,
    in the dialect of the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def built_once(build: Callable[[], Statement]) -> Callable[[], Statement]:
    """The upsert `build()` makes (with upsert_into and bound values only), built once per
    database dialect: on a hot path, building and keying it again on every call would cost
    more than running it."""
    statements: dict[str, Statement] = {}

    @wraps(build)
    def statement() -> Statement:
        dialect = db.session.get_bind().dialect.name
        if dialect not in statements:
            statements[dialect] = build()
        return statements[dialect]

    return statement
