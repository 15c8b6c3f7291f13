"""A coordinator invites producers' users and other coordinators by email."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.auth.models import Invitation, User
from market.timeutil import utcnow
from tests.factories import InvitationFactory
from tests.helpers import outbox

ACCOUNT = {
    "name": "Peio Harriet",
    "phone": "06 00 00 00 01",
    "password": "ferme-du-seignanx-40",
    "confirm": "ferme-du-seignanx-40",
}


def invitation_path(message) -> str:
    return re.search(r"/invitations/\S+", message.body).group(0)


@pytest.mark.parametrize("role", ["producer", "coordinator"])
def test_an_invitation_creates_an_account_with_its_role(app, coordinator_client, db, role):
    response = coordinator_client.post(
        "/invitations", data={"email": "peio@example.org", "role": role}
    )
    assert response.status_code == 302
    [message] = outbox(db)
    assert message.recipient == "peio@example.org"
    assert "vous invite" in message.body
    visitor = app.test_client()
    assert visitor.post(invitation_path(message), data=ACCOUNT).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "peio@example.org"))
    assert user.role == role
    assert db.session.scalar(select(Invitation.accepted_at)) is not None


def test_an_unknown_role_is_named_in_the_refusal(coordinator_client, db):
    response = coordinator_client.post(
        "/invitations", data={"email": "x@example.org", "role": "overlord"}
    )
    assert response.status_code == 400
    assert "« overlord » n’est pas un rôle auquel vous pouvez inviter" in response.text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert outbox(db) == []


def test_an_existing_account_cannot_be_invited(coordinator_client, coordinator_user, db):
    response = coordinator_client.post(
        "/invitations", data={"email": coordinator_user.email, "role": "producer"}
    )
    assert response.status_code == 400
    assert "Un compte existe déjà" in response.text


def test_an_invitation_is_used_once(client, db):
    InvitationFactory(token="once", accepted_at=utcnow())
    db.session.commit()
    response = client.post("/invitations/once", data=ACCOUNT)
    assert response.status_code == 400
    assert "déjà été acceptée" in response.text


def test_an_expired_invitation_is_refused(client, db):
    InvitationFactory(token="late", expires_at=utcnow() - timedelta(days=1))
    db.session.commit()
    response = client.post("/invitations/late", data=ACCOUNT)
    assert response.status_code == 400
    assert "a expiré" in response.text
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the inviter only


def test_households_cannot_invite(household_client, db):
    response = household_client.post(
        "/invitations", data={"email": "x@example.org", "role": "coordinator"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_the_list_shows_recent_invitations(coordinator_client, db):
    InvitationFactory(email="ferme@example.org")
    db.session.commit()
    page = coordinator_client.get("/invitations").text
    assert "ferme@example.org" in page
