"""Every endpoint, every role: allowed, sent to log in, or refused, as the table declares."""

import pytest
from flask import url_for

from market.extensions import db
from tests import factories
from tests.access_matrix import MATRIX, ROLES
from tests.conftest import logged_in_client

IGNORED = {"static"}


def outcome(response) -> str:
    if response.status_code == 403:
        return "403"
    if response.status_code in (301, 302, 303) and "/login" in response.location:
        return "login"
    assert response.status_code < 500, f"server error {response.status_code}"
    return "ok"


def test_every_endpoint_is_declared(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert sorted(endpoints - MATRIX.keys()) == [], "add these endpoints to tests/access_matrix.py"
    assert sorted(MATRIX.keys() - endpoints) == [], "these rows name no endpoint"


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_access_matrix(request, app, role_index):
    role = ROLES[role_index]
    user = None if role == "anonymous" else request.getfixturevalue(f"{role}_user")
    db.session.commit()
    failures = []
    for endpoint, (method, arguments, expected) in sorted(MATRIX.items()):
        if callable(arguments):
            arguments = arguments(factories)
            db.session.commit()
        with app.test_request_context():
            url = url_for(endpoint, **arguments)
        # A fresh client per endpoint: logging out must not change the next row's answer.
        client = app.test_client() if user is None else logged_in_client(app, user)
        response = client.open(url, method=method)
        got = outcome(response)
        if got != expected[role_index]:
            failures.append(
                f"{endpoint} {method} {url}: expected {expected[role_index]}, "
                f"got {got} ({response.status_code})"
            )
    assert failures == []
