"""A household registers; bad input is refused precisely and changes nothing."""

import pytest
from sqlalchemy import func, select

from market.auth.models import Household, User
from market.auth.passwords import verify_password
from tests.factories import HouseholdUserFactory
from tests.helpers import outbox

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


def test_a_household_registers_and_is_logged_in(client, db):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "dufau@example.org"))
    assert user.role == "household"
    assert user.household.second_collector == "Maialen Dufau"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, GOOD["password"])
    assert "Famille Dufau" in client.get("/").text
    [welcome] = outbox(db)
    assert welcome.recipient == "dufau@example.org"
    assert welcome.subject.startswith("Bienvenue")


def test_registration_follows_a_local_next_only(client):
    response = client.post("/register?next=/account", data=GOOD)
    assert response.location == "/account"


def test_a_duplicate_email_is_refused(client, db):
    HouseholdUserFactory(email="dufau@example.org")
    db.session.commit()
    before = users(db)
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert "Un compte existe déjà avec cette adresse e-mail" in response.text
    assert users(db) == before
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1


@pytest.mark.parametrize(("password", "message"), [
    ("court", "au moins 10 caractères"),
    ("azertyuiop", "trop facile à deviner"),
    ("aaaaaaaaaaaa", "trop facile à deviner"),
    ("dufau-2026-secret", "ne doit pas contenir votre adresse e-mail"),
])
def test_a_weak_password_is_refused(client, db, password, message):
    response = client.post("/register", data={**GOOD, "password": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.text
    assert users(db) == 0
    assert outbox(db) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "pas-une-adresse", "Saisissez une adresse e-mail valide"),
    ("phone", "appelle-moi", "Saisissez un numéro de téléphone"),
    ("name", "", "Ce champ est obligatoire"),
    ("confirm", "autre-chose-encore", "Les deux mots de passe sont différents"),
])
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
