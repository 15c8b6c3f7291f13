"""A forged or missing CSRF token gets 400 and changes nothing."""

import re

import pytest
from sqlalchemy import func, select

from market.auth.models import User
from tests.auth.test_registration import GOOD
from tests.helpers import outbox


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def users(db):
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_missing_or_forged_token_is_refused(csrf_app, db, token):
    client = csrf_app.test_client()
    client.get("/register")
    data = dict(GOOD) if token is None else {**GOOD, "csrf_token": token}
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "Le formulaire avait expiré ou ne venait pas de ce site" in response.text
    assert users(db) == 0


def test_the_language_switch_needs_the_token_too(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/locale", data={"locale": "en"}).status_code == 400


def test_a_genuine_token_is_accepted(csrf_app, db):
    client = csrf_app.test_client()
    page = client.get("/register").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/register", data={**GOOD, "csrf_token": token})
    assert response.status_code == 200
    assert "/signup/" in outbox(db)[-1].body
