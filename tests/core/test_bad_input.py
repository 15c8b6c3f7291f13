"""Bad input found by a hostile tester: each answers 4xx with nothing changed, never 500, on
SQLite and PostgreSQL alike."""

# ruff: noqa: F811 - fixtures imported from other tests are parameters here

import pytest
from sqlalchemy import func, select

from market.catalog.models import Product
from market.cycles.models import CollectionPoint, OrderCycle
from market.numbers import InvalidNumber, parse_whole_number
from market.orders.models import CartItem, Order
from tests.auth.test_registration import GOOD as REGISTRATION
from tests.catalog.test_products import GOOD as PRODUCT
from tests.cycles.test_pages import POINT, cycle_form
from tests.orders.conftest import market, open_cycle  # noqa: F401 - shared fixtures

HUGE = "9" * 5000
UNICODE_DIGITS = ["²", "٣", "１２", "⑦"]


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("text", [*UNICODE_DIGITS, HUGE, "-1", "1e3", " ", "", "12a"])
def test_the_parsing_helper_refuses_what_is_not_plain_digits(text):
    with pytest.raises(InvalidNumber):
        parse_whole_number(text, lowest=0, highest=10)


def test_the_parsing_helper_keeps_within_the_database(app):
    assert parse_whole_number("2147483647") == 2**31 - 1
    with pytest.raises(InvalidNumber):
        parse_whole_number("2147483648")


@pytest.mark.parametrize(
    "path",
    [
        "/products/99999999999999999999",
        "/products/2147483648",
        "/producers/" + HUGE,
        "/orders/99999999999",
        "/coordination/cycles/9999999999/lists",
    ],
)
def test_ids_beyond_the_database_range_are_not_found(
    client, coordinator_client, household_client, path
):
    for each in (client, household_client, coordinator_client):
        assert each.get(path).status_code in (302, 403, 404)


@pytest.mark.parametrize("value", [*UNICODE_DIGITS, HUGE])
def test_shop_filters_and_cart_quantities_refuse_unicode_and_huge_numbers(
    app,
    db,
    market,
    household_client,
    value,
):
    assert household_client.get(f"/shop?category={value}&producer={value}").status_code == 200
    offer = market["carrots"].id
    for data in ({"offer_id": value, "quantity": "1"}, {"offer_id": offer, "quantity": value}):
        assert household_client.post("/cart/add", data=data).status_code == 400
    assert count(db, CartItem) == 0


def test_export_filters_refuse_unicode_numbers(db, coordinator_client, market):
    cycle = market["cycle"].id
    assert coordinator_client.get("/ledger/export?format=fec&year=²⁰²⁶").status_code == 400
    assert (
        coordinator_client.get(f"/coordination/cycles/{cycle}/pickup-list.csv?pickup=²").status_code
        == 404
    )


@pytest.mark.parametrize(
    "coordinates",
    [
        {"latitude": "sNaN"},
        {"latitude": "NaN"},
        {"longitude": "-Infinity"},
        {"latitude": HUGE},
    ],
)
def test_coordinates_that_are_not_numbers_are_refused(db, coordinator_client, coordinates):
    response = coordinator_client.post(
        "/coordination/collection-points/new", data={**POINT, **coordinates}
    )
    assert response.status_code == 400
    assert count(db, CollectionPoint) == 0


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01T00:00"])
def test_dates_beyond_sane_bounds_are_refused(db, coordinator_client, moment):
    from tests.factories import CollectionPointFactory

    point = CollectionPointFactory()
    db.session.commit()
    for data in (cycle_form(point, opens=moment), cycle_form(point, day=moment[:10])):
        response = coordinator_client.post("/coordination/cycles/new", data=data)
        assert response.status_code == 400
        assert "entre les années 2000 et 2100" in response.text
    assert count(db, OrderCycle) == 0


@pytest.mark.parametrize("price", ["   ", "21474836,48", "99999999,99", "10000,01", HUGE, "²"])
def test_prices_beyond_what_a_product_costs_are_refused(db, producer_client, producer_user, price):
    response = producer_client.post(
        f"/producers/{producer_user.producer_id}/manage/products/new",
        data={**PRODUCT, "price": price},
    )
    assert response.status_code == 400
    assert count(db, Product) == 0


@pytest.mark.parametrize("field", ["payment", "submission"])
def test_checkout_fields_longer_than_their_columns_are_refused(
    app,
    db,
    market,
    field,
):
    from tests.conftest import logged_in_client

    client = logged_in_client(app, market["household"])
    client.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": "1"})
    response = client.post(
        "/checkout", data={"pickup": market["pickup"].id, "payment": "pickup", field: "x" * 300}
    )
    assert response.status_code == 400
    assert count(db, Order) == 0


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "ana\x00@example.org", "password": "x"}),
        ("/register", {**REGISTRATION, "name": "Famille\x01 Dufau"}),
        ("/password/forgot", {"email": "\x00"}),
    ],
)
def test_control_characters_are_refused_with_the_field_named(client, db, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "caractère de contrôle invisible" in response.text


def test_a_nul_in_an_address_or_a_query_is_refused(client):
    assert client.get("/password/reset/abc%00def").status_code == 400
    assert client.get("/shop?q=%00").status_code == 400


def test_tabs_and_line_breaks_are_still_welcome(db, producer_client, producer_user):
    response = producer_client.post(
        f"/producers/{producer_user.producer_id}/manage/products/new",
        data={**PRODUCT, "description": "Ligne un\r\nLigne\tdeux"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("point_id", ["", "0", "²", "99999999999"])
def test_a_cycle_naming_an_unknown_collection_point_is_refused(db, coordinator_client, point_id):
    from tests.factories import CollectionPointFactory

    data = {**cycle_form(CollectionPointFactory()), "pickups-0-point_id": point_id}
    db.session.commit()
    response = coordinator_client.post("/coordination/cycles/new", data=data)
    assert response.status_code == 400
    assert count(db, OrderCycle) == 0


def test_a_payment_beyond_its_column_is_refused(db, coordinator_client, market):
    from market.orders import services as orders
    from market.payments.models import Payment
    from market.timeutil import utcnow

    order = orders.place(
        market["household"],
        market["cycle"],
        utcnow(),
        pickup_id=market["pickup"].id,
        payment="pickup",
        items={market["carrots"].id: 1},
    )
    db.session.commit()
    response = coordinator_client.post(
        f"/payments/orders/{order.id}/record",
        data={"amount": "99999999,99", "method": "cash", "submission": "s" * 32},
    )
    assert response.status_code == 400
    assert count(db, Payment) == 0
