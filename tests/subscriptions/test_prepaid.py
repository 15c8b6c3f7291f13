"""Contracts paid for the season, at once or by instalments: the schedule, each delivery paid
from the contract's own account, the balance on the household's statement, and an early end
settled by one posting. Every refusal changes nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from market.ledger.accounts import contract_key, household_key
from market.ledger.models import LedgerTransaction
from market.ledger.statements import account_balance
from market.ledger.verify import verify
from market.orders.checks import verify_orders
from market.orders.models import Order
from market.payments.services import due_cents
from market.subscriptions import services as subscriptions
from market.subscriptions.errors import SubscriptionRefused
from market.subscriptions.models import Contract, InstalmentStatus, PaymentTerms
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import UserFactory

SEASON = 12 * 1500  # twelve weekly baskets at 15,00 €


def prepaid(db, season, terms: PaymentTerms, instalments: int = 1):
    contract = season["contract"]
    contract.payment_terms = terms
    contract.instalments = instalments
    db.session.commit()
    return contract


def subscribed(db, season):
    subscription = subscriptions.subscribe(
        season["household"].household_id, season["contract"], season["point"].id, utcnow()
    )
    db.session.commit()
    return subscription


def postings(db, kind: str) -> int:
    query = select(func.count()).where(LedgerTransaction.kind == kind)
    return db.session.scalar(query)


def test_paid_at_once_the_season_is_one_instalment_and_the_delivery_owes_nothing(db, season):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    [instalment] = subscription.instalments
    assert (instalment.amount_cents, instalment.status) == (SEASON, InstalmentStatus.DUE)
    assert instalment.due_on == subscriptions.hub_today(utcnow())
    order = db.session.scalars(select(Order)).one()
    # The basket is in the order and paid by the contract: nothing to pay for it at pickup.
    assert order.totals.total_cents == 1500
    assert due_cents(order) == 0
    assert account_balance(household_key(order.household_id)) == 0
    assert account_balance(contract_key(subscription.id)) == 1500
    assert subscription.balance_cents == 1500
    assert verify().ok and verify_orders().ok


def test_instalments_are_monthly_and_an_absence_lowers_those_still_due(db, season):
    prepaid(db, season, PaymentTerms.INSTALMENTS, 3)
    subscription = subscribed(db, season)
    today = subscriptions.hub_today(utcnow())
    amounts = [i.amount_cents for i in subscription.instalments]
    assert amounts == [6000, 6000, 6000]
    assert [i.due_on for i in subscription.instalments] == [
        today,
        subscriptions.add_months(today, 1),
        subscriptions.add_months(today, 2),
    ]
    subscriptions.declare_absence(subscription, subscription.calendar[3], utcnow())
    db.session.commit()
    assert [i.amount_cents for i in subscription.instalments] == [5500, 5500, 5500]


def test_a_month_without_the_day_falls_on_its_last_day():
    assert subscriptions.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert subscriptions.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert subscriptions.split_evenly(1000, 3) == [334, 333, 333]


def test_the_coordinator_records_an_instalment_once(app, db, season, coordinator_user):
    prepaid(db, season, PaymentTerms.INSTALMENTS, 3)
    subscription = subscribed(db, season)
    first = subscription.instalments[0]
    client = logged_in_client(app, coordinator_user)
    url = f"/coordination/instalments/{first.id}/paid"
    response = client.post(url, data={"method": "cheque"})
    assert response.status_code == 302
    again = client.post(url, data={"method": "cheque"})
    assert again.status_code == 409
    assert "déjà enregistrée" in again.get_data(as_text=True)
    db.session.expire_all()
    assert postings(db, "contract.instalment") == 1
    # 15,00 € delivered, 60,00 € paid: 45,00 € paid ahead on the contract's account.
    assert account_balance(contract_key(subscription.id)) == 1500 - 6000
    assert account_balance("cash:cheque") == 6000
    page = client.get(f"/producer/contracts/{season['contract'].id}").get_data(as_text=True)
    assert "Payé d’avance sur le contrat : 45,00" in page
    assert verify().ok


@pytest.mark.parametrize(
    "method, status, message",
    [
        ("", 400, "Choisissez comment le foyer a payé."),
        ("bitcoin", 400, "Choisissez comment le foyer a payé."),
    ],
)
def test_a_bad_recording_is_refused_and_changes_nothing(
    app, db, season, coordinator_user, method, status, message
):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    client = logged_in_client(app, coordinator_user)
    url = f"/coordination/instalments/{subscription.instalments[0].id}/paid"
    response = client.post(url, data={"method": method})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert postings(db, "contract.instalment") == 0
    assert client.post("/coordination/instalments/999999/paid").status_code == 404


def test_a_household_cannot_record_its_own_instalment(app, db, season):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    client = logged_in_client(app, season["household"])
    url = f"/coordination/instalments/{subscription.instalments[0].id}/paid"
    assert client.post(url, data={"method": "cash"}).status_code == 403
    assert postings(db, "contract.instalment") == 0


def test_ending_early_after_paying_ahead_leaves_the_rest_as_credit(db, season):
    prepaid(db, season, PaymentTerms.INSTALMENTS, 3)
    subscription = subscribed(db, season)
    recorder = UserFactory(role="coordinator")
    subscriptions.record_instalment(subscription.instalments[0], "transfer", recorder, utcnow())
    db.session.commit()
    subscriptions.end(subscription, utcnow())
    db.session.commit()
    household = household_key(subscription.household_id)
    # 60,00 € paid, one 15,00 € basket delivered: 45,00 € of credit, posted as a settlement.
    assert postings(db, "contract.settled") == 1
    assert account_balance(contract_key(subscription.id)) == 0
    assert account_balance(household) == -4500
    assert [i.status for i in subscription.instalments] == [
        InstalmentStatus.PAID,
        InstalmentStatus.CANCELLED,
        InstalmentStatus.CANCELLED,
    ]
    with pytest.raises(SubscriptionRefused):
        subscriptions.record_instalment(subscription.instalments[1], "cash", recorder, utcnow())
    assert verify().ok and verify_orders().ok


def test_ending_early_without_paying_leaves_what_was_delivered_owed(db, season):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    subscriptions.end(subscription, utcnow())
    db.session.commit()
    assert account_balance(contract_key(subscription.id)) == 0
    assert account_balance(household_key(subscription.household_id)) == 1500
    # Settled once: nothing moves when asked again.
    assert subscriptions.settle(subscription, utcnow()) == 0
    assert postings(db, "contract.settled") == 1
    assert verify().ok


def test_the_statement_shows_the_instalments_and_the_contracts_balance(app, db, season):
    prepaid(db, season, PaymentTerms.INSTALMENTS, 2)
    subscribed(db, season)
    page = logged_in_client(app, season["household"]).get("/ledger/statement")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Contrats payés d’avance" in text
    assert "Panier de la saison" in text
    assert text.count("90,00") == 2  # two instalments of 90,00 €
    assert "Livré au-delà de ce qui a été payé : 15,00" in text


def test_extras_are_due_at_pickup_the_prepaid_basket_is_not(app, db, season):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscribed(db, season)
    client = logged_in_client(app, season["household"])
    client.post("/cart/add", data={"offer_id": season["eggs"].id, "quantity": 2})
    checkout = {"pickup": season["pickup"].id, "payment": "pickup", "submission": "extras"}
    assert client.post("/checkout", data=checkout).status_code == 302
    order = db.session.scalars(select(Order)).one()
    db.session.refresh(order)
    assert order.totals.total_cents == 1500 + 840
    assert due_cents(order) == 840
    assert verify().ok and verify_orders().ok


def test_the_contract_form_opens_a_contract_paid_by_instalments(app, db, season):
    form = {
        "name": "Panier d’été",
        "product": season["basket"].id,
        "quantity": "1",
        "unit_price": "15,00",
        "every_cycles": "1",
        "first_delivery": "2027-04-02",
        "last_delivery": "2027-06-25",
        "points": season["point"].id,
        "absences_allowed": "1",
        "payment_terms": "instalments",
        "instalments": "3",
    }
    client = logged_in_client(app, season["farmer"])
    assert client.post("/producer/contracts", data=form).status_code == 302
    contract = db.session.scalars(select(Contract).where(Contract.name == "Panier d’été")).one()
    assert (contract.payment_terms, contract.instalments) == (PaymentTerms.INSTALMENTS, 3)
    refused = client.post("/producer/contracts", data=form | {"instalments": "trois"})
    assert refused.status_code == 400
    assert "Indiquez le nombre d’échéances en nombre entier." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 2


def test_the_season_end_settles_what_is_left(app, db, season):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    contract = season["contract"]
    contract.last_delivery = contract.first_delivery  # a one-delivery season, now over
    db.session.commit()
    later = utcnow() + timedelta(weeks=2)
    assert subscriptions.settle_finished(later) == 1
    db.session.commit()
    assert subscriptions.settle_finished(later) == 0
    assert account_balance(contract_key(subscription.id)) == 0
    assert account_balance(household_key(subscription.household_id)) == 1500
    assert [i.status for i in subscription.instalments] == [InstalmentStatus.CANCELLED]


def test_a_household_is_erased_only_once_its_contract_is_ended_and_settled(db, season):
    from market.privacy.errors import ErasureRefused
    from market.privacy.services import erase_household

    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    household_id = subscription.household_id
    with pytest.raises(ErasureRefused) as refused:
        erase_household(household_id)
    assert "« Panier de la saison »" in str(refused.value)
    db.session.rollback()
    subscriptions.end(subscription, utcnow())
    db.session.commit()
    # Ended and settled: what is left is the 15,00 € basket owed on its own account.
    with pytest.raises(ErasureRefused) as refused:
        erase_household(household_id)
    assert "doit encore 15,00" in str(refused.value)


def test_the_households_data_download_holds_its_subscriptions(app, db, season):
    from market.privacy.export import household_data

    prepaid(db, season, PaymentTerms.INSTALMENTS, 2)
    subscription = subscribed(db, season)
    [record] = household_data(subscription.household)["subscriptions"]
    assert record["contract"] == "Panier de la saison"
    assert record["payment_terms"] == "instalments"
    assert [i["amount_cents"] for i in record["instalments"]] == [9000, 9000]
    assert record["deliveries"][0]["status"] == "delivered"


def test_the_books_show_each_prepaid_contracts_account(app, db, season, coordinator_user):
    prepaid(db, season, PaymentTerms.UPFRONT)
    subscription = subscribed(db, season)
    page = logged_in_client(app, coordinator_user).get("/ledger/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Contrats payés d’avance : payé d’avance sur leurs livraisons" in text
    # Delivered 15,00 € and nothing paid yet: shown as -15,00 €.
    label = f"Contrat S{subscription.id:05d}"
    row = text[text.index(label) :]
    assert "4191 · S" in row[:300] and "-15,00" in row[:400]
