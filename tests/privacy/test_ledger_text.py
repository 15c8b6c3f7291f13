"""What the coordinator types into the books stays ten years and cannot be erased: names,
email addresses and phone numbers are refused there, and nothing is recorded."""

import pytest
from sqlalchemy import func, select

from market.ledger import builders
from market.ledger.models import LedgerTransaction
from tests import factories


def transactions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerTransaction))


@pytest.fixture
def household(db):
    user = factories.HouseholdUserFactory(
        name="Élodie Marchand-Testu", household__name="Famille Marchand-Testu"
    )
    db.session.commit()
    return user


NAME_REFUSED = "Write no one's name here"
CONTACT_REFUSED = "Write no email address or phone number here"


@pytest.mark.parametrize(
    "reference, refusal",
    [
        ("Chèque Marchand 0012345", "name"),
        ("chèque de marchand-testu", "name"),
        ("Élodie, chèque 0012345", "name"),
        ("elodie@exemple.fr", "contact"),
        ("rappeler au 06 71 42 93 18", "contact"),
        ("+33 6 71 42 93 18", "contact"),
    ],
)
def test_a_top_up_reference_naming_the_household_is_refused(
    db, coordinator_client, household, reference, refusal
):
    data = {
        "household": household.household_id,
        "direction": "topup",
        "method": "cheque",
        "amount": "50",
        "reference": reference,
        "idempotency_key": "c" * 32,
    }
    response = coordinator_client.post(
        "/ledger/movements/household", data=data, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert (NAME_REFUSED if refusal == "name" else CONTACT_REFUSED) in response.text
    assert transactions(db) == 0


@pytest.mark.parametrize(
    "reference", ["Chèque n°0012345", "CHQ 1234", "VIR-2026-11-0042", "Famille 12", ""]
)
def test_references_that_name_no_one_are_recorded(db, coordinator_client, household, reference):
    data = {
        "household": household.household_id,
        "direction": "topup",
        "method": "cheque",
        "amount": "50",
        "reference": reference,
        "idempotency_key": "c" * 32,
    }
    assert coordinator_client.post("/ledger/movements/household", data=data).status_code == 302
    assert transactions(db) == 1


def test_an_adjustment_reason_is_checked_against_its_account(db, coordinator_client, household):
    data = {
        "account": f"household:{household.household_id}",
        "direction": "credit",
        "amount": "3,50",
        "reason": "Geste pour Mme Marchand",
        "idempotency_key": "a" * 32,
    }
    refused = coordinator_client.post(
        "/ledger/movements/adjustment", data=data, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 400
    assert NAME_REFUSED in refused.text
    data["reason"] = "Œufs cassés à la livraison"
    assert coordinator_client.post("/ledger/movements/adjustment", data=data).status_code == 302
    assert transactions(db) == 1


def test_payout_and_reversal_texts_refuse_contact_details(db, coordinator_client, household):
    producer = factories.ProducerFactory()
    original = builders.post_credit_topup(household.household_id, 700, "cash", "", "k")
    db.session.commit()
    payout = coordinator_client.post(
        "/ledger/movements/payout",
        data={
            "producer": producer.id,
            "amount": "10",
            "reference": "ferme@exemple.fr",
            "idempotency_key": "p" * 32,
        },
        headers={"Accept-Language": "en"},
    )
    assert payout.status_code == 400 and CONTACT_REFUSED in payout.text
    reversal = coordinator_client.post(
        f"/ledger/transactions/{original.seq}/reverse",
        data={"reason": "Erreur, voir 06 71 42 93 18", "idempotency_key": "r" * 32},
        headers={"Accept-Language": "en"},
    )
    assert reversal.status_code == 400 and CONTACT_REFUSED in reversal.text
    assert transactions(db) == 1
