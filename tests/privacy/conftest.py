"""A household that registered, gave its address, ordered, paid and collected through the
site, and the tools to look for its traces in the whole database."""

import re

import pytest
from sqlalchemy import MetaData, Text, cast, select

from market.auth.models import User
from market.extensions import db as _db
from market.orders.models import Order
from tests.conftest import logged_in_client
from tests.helpers import confirm_signup
from tests.orders.conftest import market, open_cycle  # noqa: F401 - shared fixtures

PERSON = {
    "name": "Maëlwenn Marchand-Testu",
    "email": "maelwenn.marchand@exemple.fr",
    "phone": "06 71 42 93 18",
    "second_collector": "Gaspard Marchand-Testu",
    "password": "des-carottes-en-hiver",
    "confirm": "des-carottes-en-hiver",
}
# Where she lives, given on her account page (printed on her invoices).
ADDRESS = {"address": "14 impasse des Palombières", "postcode": "40440", "town": "Ondres"}
# Everything that would tell who the household is, in the forms people would look for. The
# names are ones the factories' fake French names never produce: a producer once drawn as
# "Élodie …" made the search find a trace that was not hers.
TRACES = (
    "Maëlwenn",
    "Marchand-Testu",
    "maelwenn.marchand",
    "06 71 42 93 18",
    "0671429318",
    "Gaspard",
    "Palombières",
)


def database_values() -> list[str]:
    """Every value of every column of every table, as text: what a dump of it holds."""
    tables = MetaData()
    tables.reflect(_db.engine)  # the database's tables as they are, not as the models say
    values = []
    with _db.engine.connect() as connection:
        for table in tables.sorted_tables:
            query = select(*(cast(column, Text) for column in table.columns))
            for row in connection.execute(query):
                values.extend(value for value in row if value is not None)
    return values


def traces_in(text: str) -> list[str]:
    folded = text.casefold()
    digits = re.sub(r"\D", "", text)
    return [
        trace
        for trace in TRACES
        if trace.casefold() in folded or (trace.isdigit() and trace in digits)
    ]


@pytest.fixture
def lived(app, db, market, coordinator_user, client):  # noqa: F811 - the fixture above
    """Maëlwenn registers, fails a log-in, asks for a password reset, orders, pays at pickup and
    collects, all through the site."""
    db.session.commit()
    assert client.post("/register", data=PERSON).status_code == 200  # "check your email"
    assert confirm_signup(client, db).status_code == 302  # the link emailed to her
    client.post("/logout")
    assert (
        client.post("/login", data={"email": PERSON["email"], "password": "wrong-one"}).status_code
        == 401
    )
    client.post("/password/forgot", data={"email": PERSON["email"]})
    client.post("/login", data={"email": PERSON["email"], "password": PERSON["password"]})
    details = {key: PERSON[key] for key in ("name", "phone", "second_collector")}
    assert client.post("/account", data={**details, **ADDRESS, "reminders": "y"}).status_code == 302
    client.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": "2"})
    client.post("/cart/add", data={"offer_id": market["cheese"].id, "quantity": "1"})
    assert (
        client.post(
            "/checkout",
            data={"pickup": market["pickup"].id, "payment": "pickup", "submission": "first"},
        ).status_code
        == 302
    )
    user = db.session.scalar(select(User).where(User.email == PERSON["email"]))
    order = db.session.scalar(select(Order).where(Order.household_id == user.household_id))
    staff = logged_in_client(app, coordinator_user)
    assert (
        staff.post(
            f"/payments/orders/{order.id}/record",
            data={"amount": "17,00", "method": "cash", "submission": "a" * 32},
        ).status_code
        == 302
    )
    cycle_id, pickup_id = market["cycle"].id, market["pickup"].id
    assert staff.post(f"/coordination/cycles/{cycle_id}/close").status_code == 302
    assert staff.post(f"/pickup/{pickup_id}/orders/{order.id}/collected").status_code == 302
    db.session.expire_all()
    assert order.collected_at is not None
    return {"client": client, "staff": staff, "user": user, "order": order}
