"""Password reset: same answer whatever the address, an expiring single-use link."""

import re
from datetime import timedelta

from sqlalchemy import select

from market.auth.models import PasswordReset
from market.auth.passwords import verify_password
from market.auth.services import request_password_reset
from market.timeutil import utcnow
from tests.factories import PasswordResetFactory
from tests.helpers import outbox

NEW = {"password": "nouvelle-phrase-secrete", "confirm": "nouvelle-phrase-secrete"}


def reset_link(message) -> str:
    return re.search(r"https?://\S+/password/reset/\S+", message.body).group(0)


def test_the_answer_is_the_same_whether_or_not_the_email_exists(client, db, household_user):
    db.session.commit()
    known = client.post(
        "/password/forgot", data={"email": household_user.email}, follow_redirects=True
    )
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(household_user.email, "") == unknown.text
    assert [m.recipient for m in outbox(db)] == [household_user.email]


def test_the_emailed_link_resets_the_password_once(client, db, household_user):
    db.session.commit()
    client.post("/password/forgot", data={"email": household_user.email})
    link = reset_link(outbox(db)[0])
    path = link.split("localhost", 1)[-1]
    response = client.post(path, data=NEW)
    assert response.status_code == 302
    assert verify_password(household_user.password_hash, NEW["password"])
    again = client.post(
        path, data={"password": "encore-une-autre-phrase", "confirm": "encore-une-autre-phrase"}
    )
    assert again.status_code == 400
    assert "déjà été utilisé" in again.text
    assert verify_password(household_user.password_hash, NEW["password"])


def test_an_expired_link_is_refused(client, db):
    reset = PasswordResetFactory(token="old", expires_at=utcnow() - timedelta(minutes=1))
    db.session.commit()
    old_hash = reset.user.password_hash
    response = client.post("/password/reset/old", data=NEW)
    assert response.status_code == 400
    assert "a expiré" in response.text
    assert reset.user.password_hash == old_hash


def test_an_unknown_link_is_refused(client):
    response = client.get("/password/reset/made-up")
    assert response.status_code == 400
    assert "pas valide" in response.text


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(client, db):
    reset = PasswordResetFactory(token="fresh")
    db.session.commit()
    response = client.post("/password/reset/fresh", data={"password": "court", "confirm": "court"})
    assert response.status_code == 400
    assert reset.used_at is None


def test_links_expire_after_the_configured_hours(app, db, household_user):
    hours = app.config["PASSWORD_RESET_HOURS"]
    with app.test_request_context():
        request_password_reset(household_user.email)
    [reset] = db.session.scalars(select(PasswordReset)).all()
    lifetime = reset.expires_at - utcnow()
    assert timedelta(hours=hours, minutes=-1) < lifetime <= timedelta(hours=hours)
