"""Simultaneous guesses are counted atomically: no more than the limit get a password check
(PostgreSQL, each guess on its own connection)."""

import threading

import pytest

from market.auth import passwords
from tests.factories import HouseholdUserFactory

GUESSES = 24


@pytest.mark.postgres_only
def test_twenty_four_simultaneous_guesses_get_five_checks(app, db, monkeypatch):
    HouseholdUserFactory(email="ana@example.org")
    db.session.commit()
    checks = []
    real = passwords.verify_password
    monkeypatch.setattr(
        passwords,
        "verify_password",
        lambda stored, given: checks.append(given) or real(stored, given),
    )
    barrier = threading.Barrier(GUESSES, timeout=30)
    statuses = []

    def guess(n):
        with app.app_context():  # each request gets its own session and connection
            client = app.test_client()
            barrier.wait()
            response = client.post(
                "/login",
                data={"email": "ana@example.org", "password": f"devine-{n}"},
                environ_base={"REMOTE_ADDR": f"203.0.113.{n}"},
            )
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    assert len(checks) == limit
    assert sorted(statuses) == [401] * limit + [429] * (GUESSES - limit)
