"""Small tools shared by tests."""

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def count_queries(engine):
    """Count the SQL statements sent through `engine` inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def outbox(db):
    from sqlalchemy import select

    from market.mail.models import OutboxMessage

    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
