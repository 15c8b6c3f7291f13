"""Pages: the public head, statements (each sees only its own), balances, movements."""

from sqlalchemy import func, select

from market.extensions import db as _db
from market.ledger import builders
from market.ledger.models import LedgerTransaction
from market.ledger.verify import verify
from tests import factories
from tests.helpers import count_queries


def transaction_count():
    return _db.session.execute(select(func.count(LedgerTransaction.id))).scalar()


def test_head_is_public_json(db, client, household):
    assert client.get("/ledger/head").json == {
        "seq": 0,
        "hash": "0" * 64,
        "short": "0" * 16,
        "occurred_at": None,
        "closure": {"seq": 0, "hash": "0" * 64},
    }
    transaction = builders.post_credit_topup(household.id, 100, "cash", "", "k")
    db.session.commit()
    body = client.get("/ledger/head").json
    assert body["seq"] == 1
    assert body["hash"] == transaction.hash
    assert body["short"] == transaction.hash[:16]
    assert body["occurred_at"].endswith("Z")


def test_household_sees_its_own_statement_only(db, household_client, household_user):
    other = factories.HouseholdFactory(name="Autre famille")
    builders.post_credit_topup(household_user.household_id, 4321, "cheque", "CHQ-MINE", "mine")
    builders.post_credit_topup(other.id, 9876, "cash", "CHQ-OTHER", "other")
    db.session.commit()
    page = household_client.get("/ledger/statement")
    assert page.status_code == 200
    assert "CHQ-MINE" in page.text and "43,21" in page.text
    assert "CHQ-OTHER" not in page.text and "98,76" not in page.text
    download = household_client.get("/ledger/statement.csv")
    assert download.mimetype == "text/csv"
    assert "CHQ-MINE" in download.text and "CHQ-OTHER" not in download.text
    assert "-43.21" in download.text


def test_producer_sees_its_statement_with_the_head(db, producer_client, producer_user):
    household = factories.HouseholdFactory()
    other = factories.ProducerFactory()
    builders.post_order_placed(
        household.id,
        "o-1",
        [(producer_user.producer_id, 3000, 550), (other.id, 5000, 550)],
        1000,
        "o-1",
    )
    payout = builders.post_payout(producer_user.producer_id, 2700, "VIR-42", "payout")
    db.session.commit()
    page = producer_client.get("/ledger/statement")
    assert page.status_code == 200
    assert "VIR-42" in page.text
    assert "27,00" in page.text
    assert "45,00" not in page.text  # the other producer's share
    assert payout.hash[:16] in page.text


def test_statement_without_movements(db, household_client):
    page = household_client.get("/ledger/statement")
    assert page.status_code == 200
    assert household_client.get("/ledger/statement.csv").text.startswith("seq,")


def test_balances_page_and_csv_with_bounded_queries(app, db, coordinator_client):
    def populate(count):
        for n in range(count):
            household, producer = factories.HouseholdFactory(), factories.ProducerFactory()
            builders.post_order_placed(
                household.id, f"o{n}", [(producer.id, 1000, 550)], 1000, f"o-{household.id}"
            )
        db.session.commit()

    populate(2)
    with count_queries(db.engine) as few:
        assert coordinator_client.get("/ledger/").status_code == 200
    populate(8)
    with count_queries(db.engine) as many:
        page = coordinator_client.get("/ledger/")
    assert len(many) == len(few)
    assert "Commissions" in page.text
    csv_text = coordinator_client.get("/ledger/balances.csv").text
    assert csv_text.startswith("key,number,auxiliary,label,balance_cents,balance")
    assert "hub:commission,706,,Commissions,-830,-8.30" in csv_text


def test_balances_command(app, db, household):
    builders.post_credit_topup(household.id, 1250, "transfer", "", "k")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "balances"])
    assert result.exit_code == 0
    assert "cash:bank,512,,Banque,1250,12.50" in result.output
    assert f"household:{household.id},411,H{household.id:05d}" in result.output


def test_coordinator_records_a_payout(db, coordinator_client, producer_user):
    db.session.commit()
    page = coordinator_client.get("/ledger/movements")
    assert page.status_code == 200
    form = {
        "producer": producer_user.producer_id,
        "amount": "27,00",
        "reference": "VIR-7",
        "idempotency_key": "a" * 32,
    }
    response = coordinator_client.post("/ledger/movements/payout", data=form)
    assert response.status_code == 302
    assert coordinator_client.post("/ledger/movements/payout", data=form).status_code == 302
    assert transaction_count() == 1  # the double submission posted once
    transaction = _db.session.execute(select(LedgerTransaction)).scalar_one()
    assert transaction.kind == "payout" and transaction.reference == "VIR-7"
    assert verify().ok


def test_payout_without_reference_or_amount_changes_nothing(db, coordinator_client, producer_user):
    db.session.commit()
    base = {
        "producer": producer_user.producer_id,
        "amount": "10",
        "reference": "VIR",
        "idempotency_key": "b" * 32,
    }
    for change, message in [
        ({"reference": ""}, "This field is required"),
        ({"amount": "dix euros"}, "Enter an amount in euros"),
        ({"amount": "-5"}, "more than zero"),
        ({"producer": "999"}, "Not a valid choice"),
    ]:
        response = coordinator_client.post(
            "/ledger/movements/payout", data={**base, **change}, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 400, change
        assert message in response.text, change
    assert transaction_count() == 0


def test_coordinator_records_household_money(db, coordinator_client, household_user):
    db.session.commit()
    data = {
        "household": household_user.household_id,
        "direction": "topup",
        "method": "cheque",
        "amount": "50",
        "reference": "CHQ 1234",
        "idempotency_key": "c" * 32,
    }
    assert coordinator_client.post("/ledger/movements/household", data=data).status_code == 302
    data.update(direction="repayment", method="cash", amount="20", idempotency_key="d" * 32)
    assert coordinator_client.post("/ledger/movements/household", data=data).status_code == 302
    kinds = _db.session.execute(
        select(LedgerTransaction.kind, LedgerTransaction.payment_method).order_by(
            LedgerTransaction.seq
        )
    ).all()
    assert kinds == [("credit.topup", "cheque"), ("credit.repayment", "cash")]


def test_adjustment_needs_a_reason(db, coordinator_client, household_user):
    db.session.commit()
    key = f"household:{household_user.household_id}"
    data = {
        "account": key,
        "direction": "credit",
        "amount": "3,50",
        "reason": "",
        "idempotency_key": "e" * 32,
    }
    refused = coordinator_client.post(
        "/ledger/movements/adjustment", data=data, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 400
    assert transaction_count() == 0
    data["reason"] = "Œufs cassés à la livraison"
    assert coordinator_client.post("/ledger/movements/adjustment", data=data).status_code == 302
    transaction = _db.session.execute(select(LedgerTransaction)).scalar_one()
    assert transaction.memo == "Œufs cassés à la livraison"
    assert {e.account.key: e.amount for e in transaction.entries} == {
        key: -350,
        "hub:adjustments": 350,
    }


def test_idempotency_conflict_from_a_form_is_a_clear_409(db, coordinator_client, producer_user):
    db.session.commit()
    data = {
        "producer": producer_user.producer_id,
        "amount": "10",
        "reference": "VIR",
        "idempotency_key": "f" * 32,
    }
    coordinator_client.post("/ledger/movements/payout", data=data)
    response = coordinator_client.post(
        "/ledger/movements/payout", data={**data, "amount": "11"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert "already recorded" in response.text
    assert transaction_count() == 1


def test_coordinator_sees_any_account_statement(db, coordinator_client, household):
    transaction = builders.post_credit_topup(household.id, 100, "cash", "REF-X", "k")
    db.session.commit()
    account_id = transaction.entries[0].account_id
    assert coordinator_client.get(f"/ledger/accounts/{account_id}").status_code == 200
    assert coordinator_client.get(f"/ledger/accounts/{account_id}.csv").status_code == 200
    assert coordinator_client.get("/ledger/accounts/999").status_code == 404


def test_statement_and_closure_pages_issue_bounded_queries(
    app, db, household_client, household_user, coordinator_client
):
    def populate(count, start):
        for n in range(start, start + count):
            builders.post_credit_topup(
                household_user.household_id, 100 + n, "cash", f"R{n}", f"k{n}"
            )
        db.session.commit()

    populate(2, 0)
    with count_queries(db.engine) as few:
        household_client.get("/ledger/statement")
    with count_queries(db.engine) as few_closures:
        coordinator_client.get("/ledger/closures")
    populate(10, 2)
    with count_queries(db.engine) as many:
        page = household_client.get("/ledger/statement")
    with count_queries(db.engine) as many_closures:
        coordinator_client.get("/ledger/closures")
    assert "R11" in page.text
    assert len(many) == len(few)
    assert len(many_closures) == len(few_closures)


def test_statement_is_in_french_by_default(db, household_client, household_user):
    builders.post_credit_topup(household_user.household_id, 1250, "cash", "R", "k")
    db.session.commit()
    page = household_client.get("/ledger/statement")
    assert "Mon relevé" in page.text
    assert "Approvisionnement du crédit" in page.text
    assert "12,50" in page.text


def test_movement_forms_need_the_csrf_token(app, db, coordinator_client, producer_user):
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    response = coordinator_client.post(
        "/ledger/movements/payout",
        data={
            "producer": producer_user.producer_id,
            "amount": "10",
            "reference": "VIR",
            "idempotency_key": "g" * 32,
        },
    )
    assert response.status_code == 400
    assert transaction_count() == 0


def test_coordinator_reverses_a_transaction_once(db, coordinator_client, household):
    original = builders.post_credit_topup(household.id, 700, "cash", "R", "k")
    db.session.commit()
    page = coordinator_client.get(f"/ledger/transactions/{original.seq}")
    assert page.status_code == 200
    assert original.hash in page.text
    refused = coordinator_client.post(
        f"/ledger/transactions/{original.seq}/reverse",
        data={"reason": "", "idempotency_key": "h" * 32},
    )
    assert refused.status_code == 400
    assert transaction_count() == 1
    done = coordinator_client.post(
        f"/ledger/transactions/{original.seq}/reverse",
        data={"reason": "Entered twice", "idempotency_key": "h" * 32},
    )
    assert done.status_code == 302
    again = coordinator_client.post(
        f"/ledger/transactions/{original.seq}/reverse",
        data={"reason": "Again", "idempotency_key": "i" * 32},
    )
    assert again.status_code == 409
    assert transaction_count() == 2
    assert coordinator_client.get("/ledger/transactions/99").status_code == 404
    assert verify().ok


def test_balances_are_listed_by_name_within_each_kind(db, coordinator_client):
    """Not by internal key: household 10 would come before household 9."""
    names = ["Zoé Martin", "anne Dupuy", "Béatrice Laffite", "Jon Etcheverry"]
    for n, name in enumerate(names):
        household = factories.HouseholdFactory(name=name)
        builders.post_credit_topup(household.id, 100 + n, "cash", "", f"sorted-{n}")
    db.session.commit()
    page = coordinator_client.get("/ledger/").text
    positions = [page.index(name) for name in sorted(names, key=str.casefold)]
    assert positions == sorted(positions)
