"""INSERT … ON CONFLICT on either database: PostgreSQL and SQLite write it alike, but
SQLAlchemy has one insert construct per dialect."""

from sqlalchemy.dialects import postgresql, sqlite

from market.extensions import db


def upsert_into(table) -> postgresql.Insert | sqlite.Insert:
    """An insert into `table` that takes `on_conflict_do_update` / `on_conflict_do_nothing`,
    in the dialect of the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
