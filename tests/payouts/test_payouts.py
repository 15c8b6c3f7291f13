"""Paying producers: owed from the ledger, posted once, a SEPA file valid against its schema."""

import os
from uuid import uuid4

import pytest
import sepaxml
import xmlschema

from market.catalog.errors import BankAccountInvalid
from market.catalog.services import set_bank_account
from market.ledger.accounts import account_by_key, producer_key
from market.ledger.statements import account_balance, statement
from market.ledger.verify import verify
from market.payouts import services as payouts

HUB_IBAN = "FR7630006000011234567890189"
FARM_IBAN = "FR1420041010050500013M02606"
SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")


@pytest.fixture
def hub_bank(app):
    app.config.update(HUB_IBAN=HUB_IBAN, HUB_BIC="AGRIFRPP")


def test_a_bad_iban_is_refused_and_a_good_one_gets_its_bic(db, closed_cycle):
    farm = closed_cycle["farm"]
    with pytest.raises(BankAccountInvalid, match="pas un IBAN valide"):
        set_bank_account(farm, "FR76 3000 6000 0112 3456 7890 180", "")
    assert farm.iban is None
    set_bank_account(farm, "fr76 3000 6000 0112 3456 7890 189", "")
    assert farm.iban == HUB_IBAN and farm.bic == "AGRIFRPPXXX"


def test_owed_payouts_posted_once_with_a_valid_sepa_file(app, db, closed_cycle, hub_bank):
    farm, dairy = closed_cycle["farm"], closed_cycle["dairy"]
    set_bank_account(farm, FARM_IBAN, "")
    cycles = [closed_cycle["cycle"]]
    owed = {item.producer.id: item.amount_cents for item in payouts.owed(cycles)}
    assert owed == {
        farm.id: -account_balance(producer_key(farm.id)),
        dairy.id: -account_balance(producer_key(dairy.id)),
    }
    key = uuid4().hex
    batch = payouts.confirm(
        cycles,
        label="Semaine 48",
        execution_date=closed_cycle["cycle"].closes_at.date(),
        key=key,
        created_by_id=None,
    )
    db.session.commit()
    # Sent twice: the same batch, nothing posted again.
    assert (
        payouts.confirm(
            cycles,
            label="Semaine 48",
            execution_date=batch.execution_date,
            key=key,
            created_by_id=None,
        ).id
        == batch.id
    )
    assert account_balance(producer_key(farm.id)) == 0
    assert account_balance(producer_key(dairy.id)) == -owed[dairy.id]  # no IBAN: still owed
    assert {item.producer.id for item in payouts.owed(cycles)} == {dairy.id}
    # The file is valid against the schema the library ships, and says the amounts.
    schema = xmlschema.XMLSchema(SCHEMA)
    schema.validate(batch.sepa_xml)
    document = schema.to_dict(batch.sepa_xml)
    transfers = [
        tx for info in document["CstmrCdtTrfInitn"]["PmtInf"] for tx in info["CdtTrfTxInf"]
    ]
    assert [
        (
            tx["CdtrAcct"]["Id"]["IBAN"],
            round(tx["Amt"]["InstdAmt"]["$"] * 100),
            tx["PmtId"]["EndToEndId"],
        )
        for tx in transfers
    ] == [(FARM_IBAN, owed[farm.id], batch.reference(farm.id))]
    # The producer sees the payout and its reference on its statement.
    last = statement(account_by_key(producer_key(farm.id)))[-1]
    assert (last.kind, last.reference, last.amount) == (
        "payout",
        batch.reference(farm.id),
        owed[farm.id],
    )
    assert verify().ok


def test_the_coordinator_sees_what_is_owed_and_confirms(
    app, db, coordinator_client, closed_cycle, hub_bank
):
    set_bank_account(closed_cycle["farm"], FARM_IBAN, "")
    db.session.commit()
    cycle_id = closed_cycle["cycle"].id
    page = coordinator_client.get(f"/coordination/payouts?cycle={cycle_id}").text
    assert "Ferme Lafitte" in page and "Laiterie Biarrot" in page and "sans IBAN" in page
    bad = coordinator_client.post(
        "/coordination/payouts",
        data={"cycle": cycle_id, "key": "x", "execution_date": "2026-12-01"},
    )
    assert bad.status_code == 400
    response = coordinator_client.post(
        "/coordination/payouts",
        data={"cycle": cycle_id, "key": "a" * 32, "execution_date": "2026-12-01"},
    )
    assert response.status_code == 302
    download = coordinator_client.get(response.location + ".xml")
    assert download.status_code == 200 and b"CstmrCdtTrfInitn" in download.data
    again = coordinator_client.post(
        "/coordination/payouts",
        data={"cycle": cycle_id, "key": "b" * 32, "execution_date": "2026-12-01"},
    )
    assert again.status_code == 400  # nothing left to pay to a producer with an IBAN
