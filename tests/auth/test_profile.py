"""Profile edit and password change."""

from market.auth.passwords import verify_password
from tests.factories import PASSWORD


def test_profile_edit(household_client, household_user):
    response = household_client.post(
        "/account",
        data={
            "name": "Famille Lasserre",
            "phone": "05 59 11 22 33",
            "second_collector": "Jon",
            "locale": "en",
            "town": " Ondres ",
        },
    )
    assert response.status_code == 302
    assert household_user.name == "Famille Lasserre"
    assert household_user.household.name == "Famille Lasserre"
    assert household_user.household.second_collector == "Jon"
    assert household_user.locale == "en"
    assert household_user.household.town == "Ondres"
    assert 'value="Ondres"' in household_client.get("/account").text


def test_profile_refuses_a_bad_phone(household_client, household_user):
    name = household_user.name
    response = household_client.post("/account", data={"name": "X", "phone": "abc"})
    assert response.status_code == 400
    assert household_user.name == name


def test_change_password(household_client, household_user):
    response = household_client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "tout-nouveau-secret",
            "confirm": "tout-nouveau-secret",
        },
    )
    assert response.status_code == 302
    assert verify_password(household_user.password_hash, "tout-nouveau-secret")


def test_change_password_needs_the_current_one(household_client, household_user):
    response = household_client.post(
        "/account/password",
        data={
            "current": "pas-le-bon",
            "password": "tout-nouveau-secret",
            "confirm": "tout-nouveau-secret",
        },
    )
    assert response.status_code == 401
    assert "Le mot de passe actuel est incorrect." in response.text
    assert verify_password(household_user.password_hash, PASSWORD)
