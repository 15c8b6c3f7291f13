"""Sessions can be revoked: a copied cookie dies at log-out, password change and reset."""

import pytest

from tests.factories import PASSWORD, HouseholdUserFactory, PasswordResetFactory

NEW = "une-toute-nouvelle-phrase"


@pytest.fixture
def person(db):
    user = HouseholdUserFactory(email="ana@example.org")
    db.session.commit()
    return user


def logged_in(app, remember=False):
    client = app.test_client()
    data = {"email": "ana@example.org", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def copy_of(app, client, *names):
    """Another browser holding copies of `client`'s cookies (a thief's, say)."""
    thief = app.test_client()
    for name in names:
        thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_copied_session_cookie_dies_at_log_out(app, person):
    owner = logged_in(app)
    thief = copy_of(app, owner, "session")
    assert is_logged_in(thief)
    owner.post("/logout")
    assert not is_logged_in(thief)
    assert not is_logged_in(owner)


def test_a_copied_remember_cookie_dies_at_log_out(app, person):
    owner = logged_in(app, remember=True)
    thief = copy_of(app, owner, "remember_token")
    assert is_logged_in(thief)
    owner.post("/logout")
    assert not is_logged_in(thief)


def test_logging_out_one_device_keeps_the_others(app, person):
    phone, laptop = logged_in(app), logged_in(app)
    phone.post("/logout")
    assert is_logged_in(laptop)


def test_the_remember_cookie_is_same_site_and_http_only(app, person):
    owner = app.test_client()
    response = owner.post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD, "remember": "y"}
    )
    [cookie] = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("remember_token=")
    ]
    assert "SameSite=Lax" in cookie
    assert "HttpOnly" in cookie


def test_a_password_change_ends_every_other_session(app, person):
    here, elsewhere = logged_in(app, remember=True), logged_in(app, remember=True)
    stolen = copy_of(app, here, "session", "remember_token")
    response = here.post(
        "/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert not is_logged_in(stolen)
    # This device's remember cookie was renewed: it alone still opens the account.
    assert is_logged_in(copy_of(app, here, "remember_token"))


def test_a_password_reset_ends_every_session(app, db, person):
    device = logged_in(app, remember=True)
    PasswordResetFactory(user=person, token="ana-reset")
    db.session.commit()
    response = app.test_client().post(
        "/password/reset/ana-reset", data={"password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert not is_logged_in(device)
    assert not is_logged_in(copy_of(app, device, "remember_token"))


def test_log_out_of_all_devices(app, person):
    phone, laptop = logged_in(app, remember=True), logged_in(app, remember=True)
    assert "Me déconnecter de tous mes appareils" in laptop.get("/account").text
    assert laptop.post("/account/log-out-everywhere").status_code == 302
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    assert not is_logged_in(copy_of(app, phone, "remember_token"))
    assert is_logged_in(logged_in(app))


@pytest.mark.parametrize("how", ["change", "reset"])
def test_older_reset_links_die_after_a_change_or_a_reset(app, db, person, how):
    PasswordResetFactory(user=person, token="older")
    PasswordResetFactory(user=person, token="newer")
    db.session.commit()
    if how == "change":
        logged_in(app).post(
            "/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
        )
    else:
        app.test_client().post("/password/reset/newer", data={"password": NEW, "confirm": NEW})
    response = app.test_client().post(
        "/password/reset/older",
        data={"password": "encore-une-autre", "confirm": "encore-une-autre"},
    )
    assert response.status_code == 400
    assert "pas valide" in response.text


def test_a_forged_session_id_opens_nothing(app, person):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(person.id)  # the bare id, as sessions held before
    assert not is_logged_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"{person.id}:guessed"
    assert not is_logged_in(client)
