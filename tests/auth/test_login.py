"""Log-in, log-out, rate limits and safe redirects."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from config import Production
from market.auth.models import LoginAttempt
from market.web import is_local_path
from tests.factories import PASSWORD, HouseholdUserFactory


@pytest.fixture
def person(db):
    user = HouseholdUserFactory(email="ana@example.org")
    db.session.commit()
    return user


def log_in(client, email="ana@example.org", password=PASSWORD, address="192.0.2.1", **extra):
    return client.post(
        "/login",
        data={"email": email, "password": password, **extra},
        environ_base={"REMOTE_ADDR": address},
    )


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
    response = log_in(client)  # even the right password waits, from a device never used
    assert response.status_code == 429
    assert "Trop de tentatives de connexion échouées" in response.text
    assert "15 minutes" in response.text
    assert "Se connecter" in client.get("/").text


def test_a_stranger_cannot_lock_the_owner_out_of_a_device_they_used_before(app, db, person):
    owner = app.test_client()
    assert log_in(owner, address="198.51.100.7").status_code == 302
    owner.post("/logout")
    stranger = app.test_client()
    for n in range(8):
        log_in(stranger, password=f"devine-{n}", address=f"203.0.113.{n}")
    assert log_in(stranger, address="203.0.113.99").status_code == 429
    # The owner's browser carries the device cookie of its last log-in: it is counted apart.
    assert log_in(owner, address="198.51.100.7").status_code == 302


def test_the_device_cookie_does_not_open_another_account(app, db, person):
    other = HouseholdUserFactory(email="bea@example.org")
    db.session.commit()
    browser = app.test_client()
    assert log_in(browser, email="bea@example.org").status_code == 302
    browser.post("/logout")
    for _ in range(5):
        log_in(app.test_client(), password="pas-le-bon")
    # Trusted for Béa's account only: Ana's account is still closed to this browser.
    assert log_in(browser).status_code == 429
    assert other.id


def test_a_password_reset_forgives_the_accounts_failures(client, db, person):
    from tests.factories import PasswordResetFactory

    for _ in range(5):
        log_in(client, password="pas-le-bon")
    PasswordResetFactory(user=person, token="ana-reset")
    db.session.commit()
    new = "une-toute-nouvelle-phrase"
    assert (
        client.post("/password/reset/ana-reset", data={"password": new, "confirm": new}).status_code
        == 302
    )
    assert log_in(client, password=new).status_code == 302


def test_too_many_failures_from_one_address_are_refused(client, db, person):
    for n in range(20):
        log_in(client, email=f"other{n}@example.org", password="pas-le-bon")
    assert log_in(client).status_code == 429
    other_address = client.post(
        "/login",
        data={"email": "ana@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert other_address.status_code == 302


def test_successful_log_ins_do_not_use_up_an_address(app, db):
    """A school or a family behind one address logs in as often as it likes."""
    for n in range(25):
        HouseholdUserFactory(email=f"family{n}@example.org")
    db.session.commit()
    for n in range(25):
        assert log_in(app.test_client(), email=f"family{n}@example.org").status_code == 302


def forwarded_log_in(client, forwarded_for: str, password="pas-le-bon"):  # noqa: S107
    return client.post(
        "/login",
        data={"email": "ana@example.org", "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )


def test_behind_the_proxy_each_visitor_is_counted_at_their_own_address(database_url_for_test):
    """The deploy guide's proxy: every request arrives from 10.0.0.1. With
    MARKET_PROXY_COUNT=1 one visitor's failures do not close log-in to the others."""
    from market import create_app
    from market.extensions import db as _db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url_for_test, PROXY_COUNT=1)
    with app.app_context():
        HouseholdUserFactory(email="ana@example.org")
        for n in range(40):
            HouseholdUserFactory(email=f"voisin{n}@example.org")
        _db.session.commit()
        client = app.test_client()
        for n in range(30):
            client.post(
                "/login",
                data={"email": f"voisin{n}@example.org", "password": "pas-le-bon"},
                headers={"X-Forwarded-For": "203.0.113.5"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            )
        assert forwarded_log_in(client, "203.0.113.5", PASSWORD).status_code == 429
        assert forwarded_log_in(app.test_client(), "198.51.100.7", PASSWORD).status_code == 302
        _db.session.remove()
        _db.engine.dispose()


def test_without_a_declared_proxy_a_forwarded_header_is_not_believed(client, db, person):
    for n in range(21):
        forwarded_log_in(client, f"203.0.113.{n}")
    # Twenty-one "different" visitors were one address that lied: it is stopped.
    assert (
        client.post(
            "/login",
            data={"email": "bea@example.org", "password": "x"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        ).status_code
        == 429
    )


def test_old_failures_do_not_count(client, db, person):
    from datetime import timedelta

    from market.auth.throttle import throttle_key
    from market.timeutil import utcnow
    from tests.factories import LoginThrottleFactory

    LoginThrottleFactory(
        key=throttle_key("account", "ana@example.org"),
        attempts=50,
        window_started_at=utcnow() - timedelta(minutes=16),
    )
    db.session.commit()
    assert log_in(client).status_code == 302


def test_an_unknown_address_takes_as_long_as_a_known_one(app, db, person, monkeypatch):
    """A hash is checked either way: timing does not tell whether an account exists."""
    from market.auth import passwords

    checked = []
    real = passwords.verify_password
    monkeypatch.setattr(
        passwords,
        "verify_password",
        lambda stored, given: checked.append(stored) or real(stored, given),
    )
    log_in(app.test_client(), password="pas-le-bon")
    log_in(app.test_client(), email="personne@example.org", password="pas-le-bon")
    assert len(checked) == 2
    assert all(stored.startswith("$argon2id$") for stored in checked)
    assert checked[0] != checked[1]


def test_attempts_are_recorded(client, db, person):
    log_in(client, password="pas-le-bon")
    log_in(client)
    results = db.session.scalars(select(LoginAttempt.succeeded).order_by(LoginAttempt.id)).all()
    assert results == [False, True]
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_goes_only_to_local_paths(client, person, target, expected):
    response = client.post(
        f"/login?next={target}", data={"email": "ana@example.org", "password": PASSWORD}
    )
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


def test_a_hash_made_with_other_parameters_still_opens_and_is_made_again(app, client, db, person):
    earlier = PasswordHasher(time_cost=3, memory_cost=2048, parallelism=2).hash(PASSWORD)
    person.password_hash = earlier
    db.session.commit()
    assert log_in(client).status_code == 302
    db.session.refresh(person)
    config = app.config
    assert person.password_hash != earlier
    assert (
        f"m={config['ARGON2_MEMORY_COST']},t={config['ARGON2_TIME_COST']},"
        f"p={config['ARGON2_PARALLELISM']}$"
    ) in person.password_hash
    current = person.password_hash
    client.post("/logout")
    assert log_in(client).status_code == 302
    db.session.refresh(person)
    assert person.password_hash == current  # made with the current parameters: kept


def test_a_wrong_password_leaves_an_old_hash_as_it_is(client, db, person):
    earlier = PasswordHasher(time_cost=3, memory_cost=2048, parallelism=2).hash(PASSWORD)
    person.password_hash = earlier
    db.session.commit()
    assert log_in(client, password="pas-le-bon").status_code == 401
    db.session.refresh(person)
    assert person.password_hash == earlier


def test_production_hashes_passwords_as_owasp_recommends():
    assert (
        Production.ARGON2_MEMORY_COST,
        Production.ARGON2_TIME_COST,
        Production.ARGON2_PARALLELISM,
    ) == (19 * 1024, 2, 1)
