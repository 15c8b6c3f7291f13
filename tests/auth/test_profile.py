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


def test_a_household_gives_its_postal_address(household_client, household_user):
    details = {"name": household_user.name, "reminders": "y"}
    response = household_client.post(
        "/account",
        data={
            **details,
            "address": " 3 chemin de Lou Pitou ",
            "postcode": "40440",
            "town": "Ondres",
        },
    )
    assert response.status_code == 302
    household = household_user.household
    assert household.postal_address == {
        "address": "3 chemin de Lou Pitou",
        "postcode": "40440",
        "town": "Ondres",
    }
    page = household_client.get("/account").text
    assert 'value="3 chemin de Lou Pitou"' in page and 'autocomplete="street-address"' in page
    assert '<label for="address">' in page and '<label for="postcode">' in page


def test_a_street_without_postcode_or_a_bad_postcode_is_refused(household_client, household_user):
    details = {"name": household_user.name}
    for data, message in (
        ({"address": "3 chemin de Lou Pitou", "town": "Ondres"}, "avec l’adresse"),
        ({"address": "3 chemin de Lou Pitou", "postcode": "40440"}, "avec l’adresse"),
        ({"postcode": "4044", "town": "Ondres"}, "Un code postal français a 5 chiffres"),
    ):
        response = household_client.post("/account", data={**details, **data})
        assert response.status_code == 400
        assert message in response.text
        assert household_user.household.address is None
        assert household_user.household.postcode is None
