"""Paying at pickup (recorded by the coordinator) and from prepaid credit.

Carrots 2.50 €, cheese 12.00 €; the household orders 2 carrots and 1 cheese: 17.00 €.
A positive household balance is what it owes, a negative one its credit.
"""

import pytest
from sqlalchemy import func, select

from market.ledger.accounts import household_key
from market.ledger.builders import post_credit_topup
from market.ledger.models import LedgerTransaction
from market.ledger.statements import account_balance
from market.ledger.verify import verify
from market.orders.models import Order
from market.payments import services
from market.payments.errors import PaymentRefused
from market.payments.models import Payment
from tests.conftest import logged_in_client

ORDER_TOTAL = 1700


@pytest.fixture
def shopper(app, market):
    return logged_in_client(app, market["household"])


@pytest.fixture
def coordinator(db, coordinator_user):
    db.session.commit()
    return coordinator_user


def household_id(market) -> int:
    return market["household"].household_id


def balance(market) -> int:
    return account_balance(household_key(household_id(market)))


def top_up(db, market, cents):
    post_credit_topup(
        household_id(market), cents, "transfer", "VIR-1", idempotency_key=f"topup:{cents}"
    )
    db.session.commit()


def order(client, market, payment, carrots="2", cheese="1", submission="s-1"):
    if carrots:
        client.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": carrots})
    if cheese:
        client.post("/cart/add", data={"offer_id": market["cheese"].id, "quantity": cheese})
    return client.post(
        "/checkout",
        data={"pickup": market["pickup"].id, "payment": payment, "submission": submission},
    )


def kinds(db) -> list[str]:
    return list(db.session.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.seq)))


def the_order(db) -> Order:
    return db.session.scalar(select(Order))


def test_paying_from_credit_posts_nothing_extra(db, shopper, market):
    top_up(db, market, 2000)
    response = order(shopper, market, "credit")
    assert response.status_code == 302
    assert kinds(db) == ["credit.topup", "order.placed"]
    assert services.due_cents(the_order(db)) == 0
    assert "Cette commande est payée." in shopper.get(f"/orders/{the_order(db).id}").text
    assert verify().ok
    assert balance(market) == -300  # 20.00 topped up − 17.00 ordered: 3.00 of credit left


def test_credit_that_does_not_cover_the_order_is_refused(db, shopper, market):
    top_up(db, market, 1000)
    response = order(shopper, market, "credit")
    assert response.status_code == 400
    assert "Votre avoir ne couvre pas cette commande" in response.text
    assert the_order(db) is None and kinds(db) == ["credit.topup"]
    assert verify().ok
    assert balance(market) == -1000


def test_ordering_again_from_credit_counts_the_order_once(db, shopper, market):
    """The second checkout needs only the added 2.50 €, not the whole order again."""
    top_up(db, market, 2000)
    order(shopper, market, "credit")
    response = order(shopper, market, "credit", carrots="1", cheese=None, submission="s-2")
    assert response.status_code == 302
    assert kinds(db) == ["credit.topup", "order.placed", "order.changed"]
    assert verify().ok
    assert balance(market) == -50  # 20.00 − 19.50


def test_a_credit_order_that_grows_beyond_the_credit_owes_the_rest(db, shopper, market):
    top_up(db, market, 2000)
    order(shopper, market, "credit")
    the = the_order(db)
    shopper.post(
        f"/orders/{the.id}/change",
        data={
            f"quantity-{market['carrots'].id}": "2",
            f"quantity-{market['cheese'].id}": "2",
            "pickup": market["pickup"].id,
            "submission": "grow",
        },
    )
    assert services.due_cents(the_order(db)) == 900  # 29.00 ordered, 20.00 of credit
    assert verify().ok
    assert balance(market) == 900


def test_the_coordinator_records_a_payment_at_pickup(app, db, shopper, market, coordinator):
    order(shopper, market, "pickup")
    the = the_order(db)
    coordinator = logged_in_client(app, coordinator)
    page = coordinator.get(f"/payments/orders/{the.id}/record")
    assert page.status_code == 200 and "17,00" in page.text
    data = {"amount": "10,00", "method": "card", "submission": "a" * 32}
    response = coordinator.post(f"/payments/orders/{the.id}/record", data=data)
    assert response.status_code == 302
    coordinator.post(f"/payments/orders/{the.id}/record", data=data)  # sent twice
    assert kinds(db) == ["order.placed", "payment.received"]
    assert account_balance("cash:card") == 1000
    transaction = db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.kind == "payment.received")
    )
    assert (transaction.payment_method, transaction.reference) == ("card", the.reference)
    coordinator.post(
        f"/payments/orders/{the.id}/record",
        data={"amount": "7", "method": "cash", "submission": "b" * 32},
    )
    assert account_balance("cash:till") == 700
    assert services.due_cents(the_order(db)) == 0
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 2
    assert verify().ok
    assert balance(market) == 0  # 17.00 ordered − 10.00 by card − 7.00 in cash


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": "douze", "method": "cash"}, "Saisissez un montant en euros"),
        ({"amount": "0", "method": "cash"}, "Le montant doit être supérieur à zéro."),
        ({"amount": "5", "method": "bitcoin"}, "Not a valid choice"),
        ({"amount": "", "method": "cash"}, "Ce champ est obligatoire."),
    ],
)
def test_bad_pickup_payments_are_refused(app, db, shopper, market, coordinator, data, message):
    order(shopper, market, "pickup")
    coordinator = logged_in_client(app, coordinator)
    response = coordinator.post(
        f"/payments/orders/{the_order(db).id}/record", data={**data, "submission": "c" * 32}
    )
    assert response.status_code == 400
    assert message in response.text or "choix" in response.text
    assert kinds(db) == ["order.placed"]
    assert verify().ok
    assert balance(market) == ORDER_TOTAL


def test_no_payment_on_a_cancelled_order(app, db, shopper, market, coordinator):
    order(shopper, market, "pickup")
    shopper.post(f"/orders/{the_order(db).id}/cancel")
    with pytest.raises(PaymentRefused):
        services.record_pickup_payment(the_order(db), 500, "cash", coordinator)
    assert verify().ok
    assert balance(market) == 0


@pytest.mark.parametrize(
    "method, account",
    [
        ("cash", "cash:till"),
        ("cheque", "cash:cheque"),
        ("card", "cash:card"),
        ("transfer", "cash:bank"),
    ],
)
def test_each_pickup_method_goes_to_its_account(db, shopper, market, coordinator, method, account):
    order(shopper, market, "pickup")
    services.record_pickup_payment(the_order(db), ORDER_TOTAL, method, coordinator, key="k")
    db.session.commit()
    assert account_balance(account) == ORDER_TOTAL
    assert verify().ok
    assert balance(market) == 0


def test_pages_for_a_payment_are_the_households_own(app, db, shopper, market):
    from tests.factories import PaymentFactory

    other = PaymentFactory()
    db.session.commit()
    assert shopper.get(f"/payments/{other.id}/returned").status_code == 404
    assert shopper.post(f"/payments/orders/{other.order_id}/pay").status_code == 404


def test_what_is_due_can_be_paid_from_credit(db, shopper, market):
    top_up(db, market, 2000)
    order(shopper, market, "pickup")
    the = the_order(db)
    assert services.due_cents(the) == ORDER_TOTAL
    assert "avec mon avoir" in shopper.get(f"/orders/{the.id}").text
    response = shopper.post(f"/payments/orders/{the.id}/use-credit")
    assert response.status_code == 302
    assert services.due_cents(the_order(db)) == 0
    assert kinds(db) == ["credit.topup", "order.placed"]  # nothing posted to pay from credit
    assert verify().ok
    assert balance(market) == -300


def test_paying_from_credit_needs_the_credit(db, shopper, market):
    order(shopper, market, "pickup")
    the = the_order(db)
    response = shopper.post(f"/payments/orders/{the.id}/use-credit")
    assert response.status_code == 400
    assert the_order(db).payment_choice == "pickup"
    assert verify().ok
    assert balance(market) == ORDER_TOTAL


def summary_as_asked_apart(order: Order) -> tuple[int, int, bool]:
    """What is paid, what is due and whether credit covers it, each asked in its own query."""
    due = services.due_cents(order)
    return services.paid_cents(order), due, due > 0 and services.credit_covers(order)


def test_the_order_pages_money_in_one_query_agrees_with_each_question(
    app, db, shopper, market, coordinator
):
    top_up(db, market, 2000)
    order(shopper, market, "credit")
    the = the_order(db)
    assert services.summary(the)["due"] == 0
    grown = {f"quantity-{market['carrots'].id}": "2", f"quantity-{market['cheese'].id}": "2"}
    shopper.post(
        f"/orders/{the.id}/change",
        data={**grown, "pickup": market["pickup"].id, "submission": "grow"},
    )
    coordinator = logged_in_client(app, coordinator)
    for amount, submission in (("0", None), ("3,00", "c" * 32), ("6,00", "d" * 32)):
        if submission:
            coordinator.post(
                f"/payments/orders/{the.id}/record",
                data={"amount": amount, "method": "cash", "submission": submission},
            )
        the = the_order(db)
        summary = services.summary(the)
        assert (summary["paid"], summary["due"], summary["credit_covers"]) == (
            summary_as_asked_apart(the)
        )
        assert summary["due"] > 0 or submission == "d" * 32
    assert summary["paid"] == 900
