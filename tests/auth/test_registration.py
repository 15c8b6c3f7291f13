"""A household registers; bad input is refused precisely and changes nothing."""

import pytest
from sqlalchemy import func, select

from market.auth.models import Household, User
from market.auth.passwords import verify_password
from tests.factories import HouseholdUserFactory
from tests.helpers import confirm_signup, outbox, page_text, signup_link

GOOD = {
    "name": "Famille Dufau",
    "email": "Dufau@Example.org ",
    "phone": "06 12 34 56 78",
    "second_collector": "Maialen Dufau",
    "password": "une-phrase-assez-longue",
    "confirm": "une-phrase-assez-longue",
}


def users(db):
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_household_registers_by_confirming_its_address(client, db):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 200
    assert "Vérifiez votre boîte" in response.text
    assert users(db) == 0  # nothing until the address is confirmed
    [confirmation] = outbox(db)
    assert confirmation.recipient == "dufau@example.org"
    response = confirm_signup(client, db)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "dufau@example.org"))
    assert user.role == "household"
    assert user.household.second_collector == "Maialen Dufau"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, GOOD["password"])
    assert "Famille Dufau" in client.get("/").text
    welcome = outbox(db)[-1]
    assert welcome.recipient == "dufau@example.org"
    assert welcome.subject.startswith("Bienvenue")


def test_a_confirmation_link_creates_the_account_once(app, client, db):
    client.post("/register", data=GOOD)
    path = signup_link(db)
    assert client.post(path).status_code == 302
    again = app.test_client().post(path)
    assert again.status_code == 400
    assert "déjà confirmée" in again.text
    assert users(db) == 1


def test_opening_the_link_creates_nothing_until_the_button_is_pressed(client, db):
    client.post("/register", data=GOOD)
    assert client.get(signup_link(db)).status_code == 200
    assert users(db) == 0


def test_a_taken_email_gets_the_same_answer_and_its_owner_an_email(app, db):
    """Nobody learns from the form whether an address has an account."""
    HouseholdUserFactory(email="dufau@example.org")
    db.session.commit()
    before = users(db)
    taken = app.test_client().post("/register", data=GOOD)
    fresh = app.test_client().post("/register", data={**GOOD, "email": "autre@example.org"})
    assert taken.status_code == fresh.status_code == 200
    assert page_text(taken).replace("dufau@example.org", "autre@example.org") == page_text(fresh)
    assert users(db) == before
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1
    warning, _confirmation = outbox(db)
    assert warning.recipient == "dufau@example.org"
    assert "/login" in warning.body and "/password/forgot" in warning.body
    assert "/signup/" not in warning.body


def test_registration_takes_a_password_hash_either_way(app, db, monkeypatch):
    from market.auth import services

    hashed = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda text: hashed.append(text) or real(text))
    HouseholdUserFactory(email="dufau@example.org")
    db.session.commit()
    app.test_client().post("/register", data=GOOD)
    app.test_client().post("/register", data={**GOOD, "email": "autre@example.org"})
    assert hashed == [GOOD["password"], GOOD["password"]]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court", "au moins 10 caractères"),
        ("azertyuiop", "trop facile à deviner"),
        ("aaaaaaaaaaaa", "trop facile à deviner"),
        ("dufau-2026-secret", "ne doit pas contenir votre adresse e-mail"),
    ],
)
def test_a_weak_password_is_refused(client, db, password, message):
    response = client.post("/register", data={**GOOD, "password": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.text
    assert users(db) == 0
    assert outbox(db) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "pas-une-adresse", "Saisissez une adresse e-mail valide"),
        ("phone", "appelle-moi", "Saisissez un numéro de téléphone"),
        ("name", "", "Ce champ est obligatoire"),
        ("confirm", "autre-chose-encore", "Les deux mots de passe sont différents"),
    ],
)
def test_invalid_fields_are_explained(client, db, field, value, message):
    response = client.post("/register", data={**GOOD, field: value})
    assert response.status_code == 400
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert users(db) == 0


def test_forms_label_every_field(client):
    page = client.get("/register").text
    for field in ("name", "email", "phone", "second_collector", "password", "confirm"):
        assert f'<label for="{field}">' in page
