"""The pickup screen: search, see an order, record what happens; every change in the ledger."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.ledger.accounts import household_key
from market.ledger.models import LedgerTransaction
from market.ledger.statements import account_balance
from market.ledger.verify import verify
from market.orders.models import Order, OrderLine
from market.payments.services import paid_cents
from market.timeutil import utcnow
from tests.factories import UserFactory
from tests.helpers import count_queries
from tests.orders.test_double_tap import TIMES, at_once


def url(closed_cycle, who="martin", action=None):
    order = closed_cycle["orders"][who]
    base = f"/pickup/{order.pickup_id}/orders/{order.id}"
    return f"{base}/{action}" if action else base


def line(closed_cycle, who, name) -> OrderLine:
    return next(x for x in closed_cycle["orders"][who].lines if x.product_name == name)


def test_choose_a_point_and_search_by_name_or_number(coordinator_client, closed_cycle):
    bourg = closed_cycle["bourg"]
    assert f"/pickup/{bourg.id}" in coordinator_client.get("/pickup").get_data(True)
    page = coordinator_client.get(f"/pickup/{bourg.id}?q=zoé").get_data(True)
    assert "Zoé Martin" in page and "Anne Dupuy" not in page
    number = closed_cycle["orders"]["dupuy"].number
    page = coordinator_client.get(f"/pickup/{bourg.id}?q={number}").get_data(True)
    assert "Anne Dupuy" in page
    page = coordinator_client.get(f"/pickup/{bourg.id}?q=paul").get_data(True)
    assert "Zoé Martin" in page
    # Households of another point are not listed here.
    assert "Etcheverry" not in coordinator_client.get(f"/pickup/{bourg.id}").get_data(True)


@pytest.mark.parametrize("typed", ["barrere", "BARRÈRE", "Barrère", "  barrère ", "rrere"])
def test_search_ignores_accents_and_case(db, coordinator_client, closed_cycle, typed):
    closed_cycle["orders"]["dupuy"].household.name = "Anne Barrère"
    db.session.commit()
    bourg = closed_cycle["bourg"]
    page = coordinator_client.get(f"/pickup/{bourg.id}", query_string={"q": typed}).text
    assert "Anne Barrère" in page and "Zoé Martin" not in page
    page = coordinator_client.get(f"/pickup/{bourg.id}", query_string={"q": "ZOE"}).text
    assert "Zoé Martin" in page and "Barrère" not in page


def test_the_point_says_how_many_orders_are_collected(db, coordinator_client, closed_cycle):
    coordinator_client.post(url(closed_cycle, action="collected"))
    page = coordinator_client.get(f"/pickup/{closed_cycle['bourg'].id}").text
    assert "Retirées\u00a0: 1 sur 2 commandes" in page


def test_search_queries_are_bounded(db, coordinator_client, closed_cycle):
    bourg = closed_cycle["bourg"]
    with count_queries(db.engine) as statements:
        coordinator_client.get(f"/pickup/{bourg.id}")
    assert len(statements) <= 6


def test_the_order_shows_lines_and_what_is_due(coordinator_client, closed_cycle):
    page = coordinator_client.get(url(closed_cycle)).get_data(True)
    for text in ("Zoé Martin", "Paul Martin", "Carottes", "Potimarron", "21,50", "06 11 11 11 11"):
        assert text in page


def test_an_order_of_another_point_is_not_found(coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["etcheverry"]
    response = coordinator_client.get(f"/pickup/{closed_cycle['bourg'].id}/orders/{order.id}")
    assert response.status_code == 404


def test_missing_item_adjusts_the_order_and_the_ledger(db, coordinator_client, closed_cycle):
    carrots = line(closed_cycle, "martin", "Carottes")
    order = closed_cycle["orders"]["martin"]
    version = order.version
    response = coordinator_client.post(
        url(closed_cycle, action="missing"), data={"line_id": carrots.id, "missing": "1"}
    )
    assert response.status_code == 302
    assert db.session.get(OrderLine, carrots.id).missing_quantity == 1
    assert db.session.get(Order, order.id).version == version + 1
    assert account_balance(household_key(order.household_id)) == 2150 - 250
    assert verify().ok


def test_real_weight_adjusts_the_amount(db, coordinator_client, closed_cycle):
    squash = line(closed_cycle, "martin", "Potimarron")
    order = closed_cycle["orders"]["martin"]
    coordinator_client.post(
        url(closed_cycle, action="weight"), data={"line_id": squash.id, "weight": "1,8"}
    )
    assert db.session.get(OrderLine, squash.id).real_weight_grams == 1800
    # 1,8 kg × 3,00 € instead of the estimated 1,5 kg
    assert account_balance(household_key(order.household_id)) == 2150 - 450 + 540


def test_payment_at_pickup_is_recorded_once(db, coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["martin"]
    form = {"amount": "21,50", "method": "cash", "submission": "abc123"}
    assert (
        coordinator_client.post(url(closed_cycle, action="payment"), data=form).status_code == 302
    )
    assert (
        coordinator_client.post(url(closed_cycle, action="payment"), data=form).status_code == 302
    )
    assert paid_cents(order) == 2150
    assert account_balance(household_key(order.household_id)) == 0


def test_paid_more_than_owed_leaves_credit(db, coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["martin"]
    coordinator_client.post(
        url(closed_cycle, action="payment"),
        data={"amount": "21,50", "method": "cheque", "submission": "p1"},
    )
    cheese = line(closed_cycle, "martin", "Tomme de brebis")
    coordinator_client.post(
        url(closed_cycle, action="missing"), data={"line_id": cheese.id, "missing": "1"}
    )
    assert account_balance(household_key(order.household_id)) == -1200
    page = coordinator_client.get(url(closed_cycle)).get_data(True)
    assert "Crédit sur le compte" in page and "12,00" in page


def test_collected_then_no_show_is_refused(db, coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["martin"]
    response = coordinator_client.post(url(closed_cycle, action="collected"))
    assert response.status_code == 302 and response.location.endswith(f"/pickup/{order.pickup_id}")
    assert db.session.get(Order, order.id).collected_at is not None
    response = coordinator_client.post(url(closed_cycle, action="absent"))
    assert response.status_code == 409
    assert "a été retirée" in response.get_data(True)
    coordinator_client.post(url(closed_cycle, action="undo"))
    coordinator_client.post(url(closed_cycle, action="absent"))
    refreshed = db.session.get(Order, order.id)
    assert refreshed.no_show_at is not None and refreshed.collected_at is None


def test_paid_and_collected_in_one_tap(db, coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["dupuy"]
    response = coordinator_client.post(
        url(closed_cycle, "dupuy", action="paid-collected"),
        data={"amount": "2,50", "method": "cash", "submission": "tap1"},
    )
    assert response.status_code == 302 and response.location.endswith(f"/pickup/{order.pickup_id}")
    assert paid_cents(order) == 250
    assert db.session.get(Order, order.id).collected_at is not None


def test_a_refused_payment_does_not_mark_collected(db, coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["dupuy"]
    response = coordinator_client.post(
        url(closed_cycle, "dupuy", action="paid-collected"),
        data={"amount": "99", "method": "cash", "submission": "tap2"},
    )
    assert response.status_code == 400
    assert db.session.get(Order, order.id).collected_at is None
    assert paid_cents(order) == 0


def test_lines_show_their_unit(coordinator_client, closed_cycle):
    page = coordinator_client.get(url(closed_cycle)).text
    assert "2\u00a0bottes · Carottes" in page
    assert "1 × Tomme de brebis" in page


def test_no_show_asks_first_and_changes_nothing(db, coordinator_client, closed_cycle):
    order = closed_cycle["orders"]["martin"]
    page = coordinator_client.get(url(closed_cycle, action="absent")).text
    assert f"Personne n’a retiré la commande {order.reference} (Zoé Martin) ?" in page
    assert f'action="{url(closed_cycle, action="absent")}"' in page
    assert db.session.get(Order, order.id).no_show_at is None


@pytest.mark.parametrize(
    "action, form, message",
    [
        ("missing", {"line_id": "LINE", "missing": "9"}, "Au plus 2 unités"),
        ("missing", {"line_id": "LINE", "missing": "-1"}, "nombre entier"),
        ("missing", {"line_id": "999999", "missing": "1"}, "ne fait pas partie"),
        ("weight", {"line_id": "LINE", "weight": "1,2"}, "pas vendu au poids"),
        ("weight", {"line_id": "SQUASH", "weight": "lourd"}, "en kilogrammes"),
        ("weight", {"line_id": "SQUASH", "weight": "0"}, "en kilogrammes"),
        ("payment", {"amount": "abc", "method": "cash", "submission": "x1"}, "montant reçu"),
        ("payment", {"amount": "5", "method": "bitcoin", "submission": "x2"}, "comment le foyer"),
        ("payment", {"amount": "99", "method": "cash", "submission": "x3"}, "plus que ce qui"),
        ("payment", {"amount": "5", "method": "cash"}, "expiré"),
    ],
)
def test_bad_input_changes_nothing(db, coordinator_client, closed_cycle, action, form, message):
    order = closed_cycle["orders"]["martin"]
    ids = {
        "LINE": str(line(closed_cycle, "martin", "Carottes").id),
        "SQUASH": str(line(closed_cycle, "martin", "Potimarron").id),
    }
    form = {key: ids.get(value, value) for key, value in form.items()}
    before = account_balance(household_key(order.household_id))
    version = order.version
    response = coordinator_client.post(url(closed_cycle, action=action), data=form)
    assert response.status_code == 400
    assert message in response.get_data(True)
    assert account_balance(household_key(order.household_id)) == before
    assert db.session.get(Order, order.id).version == version


def test_nothing_changes_while_the_cycle_is_open(db, coordinator_client, closed_cycle):
    cycle = closed_cycle["cycle"]
    cycle.closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    carrots = line(closed_cycle, "martin", "Carottes")
    response = coordinator_client.post(
        url(closed_cycle, action="missing"), data={"line_id": carrots.id, "missing": "1"}
    )
    assert response.status_code == 409
    assert db.session.get(OrderLine, carrots.id).missing_quantity == 0


def test_the_pickup_list_shows_pickup_day_changes(db, coordinator_client, closed_cycle):
    carrots = line(closed_cycle, "martin", "Carottes")
    coordinator_client.post(
        url(closed_cycle, action="missing"), data={"line_id": carrots.id, "missing": "2"}
    )
    cycle = closed_cycle["cycle"]
    text = coordinator_client.get(f"/coordination/cycles/{cycle.id}/pickup-list.csv").data.decode(
        "utf-8-sig"
    )
    assert "0\u00a0botte (2\u00a0manquants) × Carottes" in text
    assert "16,50" in text


@pytest.mark.postgres_only
def test_paid_and_collected_tapped_eight_times_pays_once(app, db, closed_cycle):
    """A volunteer's double tap, or two volunteers on one order: one payment, one hand-over."""
    volunteer = UserFactory(role="coordinator")
    db.session.commit()
    order = closed_cycle["orders"]["dupuy"]
    form = {"amount": "2,50", "method": "cash", "submission": "tap8"}
    responses = at_once(
        app, [(volunteer.id, "POST", url(closed_cycle, "dupuy", "paid-collected"), form)] * TIMES
    )
    assert all(response.status_code < 500 for response in responses)
    db.session.expire_all()
    assert paid_cents(order) == 250
    assert db.session.get(Order, order.id).collected_at is not None
    received = (
        select(func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.kind == "payment.received", LedgerTransaction.order_id == order.id)
    )
    assert db.session.scalar(received) == 1
    assert verify().ok
