"""Erasure (RGPD art. 17): the household's people give way to a pseudonym, log-ins end, the
orders and the ledger stay and still verify, and no trace of them is left in the database."""

import sqlite3
import subprocess
import tarfile
import threading

import pytest
from sqlalchemy import func, select

from market.auth.models import Household, LoginAttempt, PasswordReset, User
from market.extensions import db as _db
from market.ledger import builders
from market.ledger.accounts import account_by_key, household_key
from market.ledger.statements import head
from market.ledger.verify import verify
from market.mail.models import OutboxMessage
from market.orders.models import CartItem, Order
from market.privacy.errors import ErasureRefused
from market.privacy.services import erase_household
from tests import factories
from tests.conftest import BACKEND
from tests.privacy.conftest import PERSON, database_values, traces_in


def ask_to_close(client):
    return client.post("/account/close", data={"password": PERSON["password"], "confirm": "y"})


def erase(staff, household_id):
    return staff.post(f"/privacy/requests/{household_id}/erase", data={"confirm": "y"})


def test_the_coordinator_erases_a_household_and_no_trace_is_left(app, db, lived, tmp_path):
    user, order = lived["user"], lived["order"]
    household_id = user.household_id
    assert user.household.address == "14 impasse des Palombières"
    assert ask_to_close(lived["client"]).status_code == 302
    assert traces_in("\n".join(database_values()))  # the test can see them before
    before = head()
    page = lived["staff"].get("/privacy/requests").get_data(as_text=True)
    assert PERSON["name"] in page and PERSON["email"] in page

    response = erase(lived["staff"], household_id)
    assert response.status_code == 302
    db.session.expire_all()
    household = db.session.get(Household, household_id)
    assert household.name == f"Foyer effacé H{household_id:05d}"
    assert household.erased_at is not None and household.second_collector is None
    assert household.address is household.postcode is household.town is None
    assert (user.name, user.email, user.phone, user.active) == (
        household.name,
        f"erased-{user.id}@erased.invalid",
        None,
        False,
    )
    assert account_by_key(household_key(household_id)).label == household.name

    # The books are whole: the order is there, and the ledger verifies with the same head.
    assert db.session.get(Order, order.id).lines
    assert head() == before
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0

    # Nothing left that tells who they were: every column of every table...
    assert traces_in("\n".join(database_values())) == []
    # ... and a dump of the backup.
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert traces_in(backup_dump(tmp_path, result.output.strip())) == []


def backup_dump(folder, archive) -> str:
    """The backup's database as SQL text: SQLite's .dump, or pg_restore's script."""
    with tarfile.open(archive) as bundle:
        bundle.extractall(folder / "extracted", filter="data")
    extracted = folder / "extracted"
    if BACKEND == "sqlite":
        with sqlite3.connect(extracted / "database.sqlite3") as connection:
            text = "\n".join(connection.iterdump())
        connection.close()
        return text
    return subprocess.run(
        ["pg_restore", "--file=-", str(extracted / "database.pgdump")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_an_erased_household_cannot_log_in_and_its_session_ends(app, db, lived):
    household_id = lived["user"].household_id
    assert erase(lived["staff"], household_id).status_code == 302
    assert lived["client"].get("/account").status_code == 302  # sent to log in
    fresh = app.test_client()
    refused = fresh.post("/login", data={"email": PERSON["email"], "password": PERSON["password"]})
    assert refused.status_code == 401
    erased = db.session.scalar(select(User.email).where(User.household_id == household_id))
    assert (
        fresh.post("/login", data={"email": erased, "password": PERSON["password"]}).status_code
        == 401
    )
    assert fresh.post("/password/forgot", data={"email": PERSON["email"]}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0


def test_erasure_removes_log_ins_resets_cart_and_drops_unsent_mail(app, db, lived):
    user = lived["user"]
    db.session.add(
        CartItem(
            household_id=user.household_id, offer_id=lived["order"].lines[0].offer_id, quantity=1
        )
    )
    db.session.commit()
    unsent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.recipient == PERSON["email"], OutboxMessage.sent_at.is_(None))
    )
    assert unsent >= 3  # welcome, password reset, order confirmation
    erase_household(user.household_id)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(CartItem)) == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient.like("erased-%"), OutboxMessage.sent_at.is_(None))
        )
        == 0
    )


def test_sent_messages_keep_their_date_but_lose_their_text(app, db, lived, tmp_path):
    app.config["MAIL_DIRECTORY"] = str(tmp_path / "mail")
    assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
    sent = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.recipient == PERSON["email"])
    )
    erase_household(lived["user"].household_id)
    db.session.commit()
    kept = list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == f"erased-{lived['user'].id}@erased.invalid"
            )
        )
    )
    assert len(kept) == sent
    assert all(message.body == "" and message.sent_at for message in kept)


@pytest.mark.parametrize(
    "amount, page, message",
    [
        (
            1250,
            "Ce foyer doit encore 12,50 € : enregistrez son paiement avant de l’effacer.",
            "This household still owes 12,50 €: record its payment before erasing it.",
        ),
        (
            -800,
            "Le marché détient encore 8,00 € de crédit pour ce foyer",
            "The hub still holds 8,00 € of credit for this household: give it back (Books, "
            "movements) before erasing it.",
        ),
    ],
)
def test_erasure_is_refused_while_money_is_due_either_way(app, db, lived, amount, page, message):
    household_id = lived["user"].household_id
    if amount > 0:
        builders.post_adjustment(household_key(household_id), -amount, "frais", "due")
    else:
        builders.post_credit_topup(household_id, -amount, "cash", "", "credit")
    db.session.commit()
    response = erase(lived["staff"], household_id)
    assert response.status_code == 409
    assert page in plain(response.get_data(as_text=True)).replace("&#39;", "'")
    cli = app.test_cli_runner().invoke(args=["privacy", "erase", PERSON["email"]])
    assert cli.exit_code == 1
    assert plain(cli.output) == f"Error: {message}\n"
    db.session.expire_all()
    assert db.session.get(Household, household_id).name == PERSON["name"]
    assert db.session.get(User, lived["user"].id).active


def plain(text: str) -> str:
    """Amounts as typed: Babel writes narrow and no-break spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_erasure_waits_for_an_order_still_to_collect(app, db, market):
    household = market["household"]
    order = factories.OrderFactory(cycle=market["cycle"], household_id=household.household_id)
    db.session.commit()
    with pytest.raises(
        ErasureRefused, match=f"La commande {order.reference} de ce foyer n.a pas encore été"
    ):
        erase_household(household.household_id)


def test_privacy_erase_command(app, db, lived):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "erase", " Maelwenn.Marchand@exemple.fr "])
    assert result.exit_code == 0, result.output
    household_id = lived["user"].household_id
    assert result.output == f"household erased: it is now Foyer effacé H{household_id:05d}\n"
    assert PERSON["email"] not in result.output
    again = runner.invoke(args=["privacy", "erase", PERSON["email"]])
    assert again.output == f"Error: No account uses the email address {PERSON['email']}.\n"
    producer = factories.ProducerUserFactory(email="ferme@exemple.fr")
    db.session.commit()
    not_household = runner.invoke(args=["privacy", "erase", producer.email])
    assert not_household.exit_code == 1
    assert not_household.output == "Error: ferme@exemple.fr is not a household's account.\n"
    assert runner.invoke(args=["privacy", "erase"]).exit_code == 2


def test_erasing_twice_through_the_page_says_it_is_done(app, db, lived):
    household_id = lived["user"].household_id
    assert erase(lived["staff"], household_id).status_code == 302
    again = erase(lived["staff"], household_id)
    assert again.status_code == 409
    assert "déjà été effacé" in again.get_data(as_text=True)
    assert lived["staff"].post(f"/privacy/requests/{household_id}/erase").status_code == 400
    assert (
        lived["staff"].post("/privacy/requests/999999/erase", data={"confirm": "y"}).status_code
        == 404
    )


@pytest.mark.postgres_only
def test_two_erasures_at_once_erase_once(app, db, lived):
    household_id = lived["user"].household_id
    barrier = threading.Barrier(2, timeout=30)
    outcomes = []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                erase_household(household_id)
                _db.session.commit()
                outcomes.append("erased")
            except ErasureRefused:
                _db.session.rollback()
                outcomes.append("refused")
            _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["erased", "refused"]
