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


def signup_link(db) -> str:
    """The path of the confirmation link last emailed for a registration or application."""
    import re

    [path] = re.findall(r"https?://[^/\s]+(/signup/\S+)", outbox(db)[-1].body)
    return path


def confirm_signup(client, db):
    """Open the emailed link and press its button, as the newcomer does."""
    path = signup_link(db)
    assert client.get(path).status_code == 200
    return client.post(path)


def page_text(response) -> str:
    """A page with its per-session CSRF tokens blanked, to compare two answers."""
    import re

    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', response.text)
