"""Log-in, log-out, rate limits and safe redirects."""

import pytest
from sqlalchemy import func, select

from market.auth.models import LoginAttempt
from market.web import is_local_path
from tests.factories import PASSWORD, HouseholdUserFactory, LoginAttemptFactory


@pytest.fixture
def person(db):
    user = HouseholdUserFactory(email="ana@example.org")
    db.session.commit()
    return user


def log_in(client, email="ana@example.org", password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": extra.pop("address", "192.0.2.1")})


def test_log_in_and_out(client, person):
    response = log_in(client, email="ANA@example.org")
    assert response.status_code == 302
    assert person.name in client.get("/").text
    response = client.post("/logout")
    assert response.status_code == 302
    assert "Se connecter" in client.get("/").text


def test_a_wrong_password_is_refused_without_saying_which_part(client, person):
    response = log_in(client, password="pas-le-bon")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    unknown = log_in(client, email="nobody@example.org")
    assert "Adresse e-mail ou mot de passe incorrect." in unknown.text


def test_an_inactive_account_cannot_log_in(client, db, person):
    person.active = False
    db.session.commit()
    assert log_in(client).status_code == 401


def test_too_many_failures_for_one_account_are_refused_with_429(client, db, person):
    for _ in range(5):
        log_in(client, password="pas-le-bon")
    response = log_in(client)  # even the right password waits
    assert response.status_code == 429
    assert "Trop de tentatives de connexion échouées" in response.text
    assert "15 minutes" in response.text
    assert "Ana" not in client.get("/").text or "Se connecter" in client.get("/").text


def test_too_many_failures_from_one_address_are_refused(client, db, person):
    for n in range(20):
        LoginAttemptFactory(email=f"other{n}@example.org", address="192.0.2.1")
    db.session.commit()
    assert log_in(client).status_code == 429
    other_address = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD},
                                environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_address.status_code == 302


def test_old_failures_do_not_count(client, db, person):
    from datetime import timedelta

    from market.timeutil import utcnow

    for _ in range(5):
        LoginAttemptFactory(email="ana@example.org",
                            attempted_at=utcnow() - timedelta(minutes=16))
    db.session.commit()
    assert log_in(client).status_code == 302


def test_attempts_are_recorded(client, db, person):
    log_in(client, password="pas-le-bon")
    log_in(client)
    results = db.session.scalars(select(LoginAttempt.succeeded).order_by(LoginAttempt.id)).all()
    assert results == [False, True]
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2


@pytest.mark.parametrize(("target", "expected"), [
    ("/account", "/account"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_goes_only_to_local_paths(client, person, target, expected):
    response = client.post(f"/login?next={target}", data={"email": "ana@example.org",
                                                           "password": PASSWORD})
    assert response.location == expected


def test_is_local_path():
    assert is_local_path("/shop?x=1")
    assert not is_local_path("http://x/")
    assert not is_local_path("")
    assert not is_local_path("/ok\n")


def test_pages_for_members_send_visitors_to_log_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
