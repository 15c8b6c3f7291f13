"""A producer applies, the coordinator reviews, the applicant is told; invitations to a producer."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.auth.models import Invitation, User
from market.catalog.errors import InvalidSiret
from market.catalog.models import Producer
from market.catalog.services import normalise_siret
from market.company_numbers import valid_siret
from market.extensions import db
from market.mail.models import OutboxMessage
from tests import factories
from tests.helpers import confirm_signup, page_text

APPLICATION = {
    "name": "Ferme des Barthes",
    "siret": "732 829 320 00074",
    "address": "12 chemin du Moulin",
    "postcode": "40440",
    "town": "Ondres",
    "phone": "06 11 22 33 44",
    "description": "Légumes de saison.",
    "labels": ["ab", "nature_progres"],
    "user_name": "Maïa Dufau",
    "email": "maia@example.org",
    "password": "un-mot-de-passe-solide",
    "confirm": "un-mot-de-passe-solide",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "siret, valid",
    [
        ("73282932000074", True),
        ("73282932000075", False),
        # Luhn-valid, but the zeros of an unset number, or a SIREN whose own key is wrong.
        ("00000000000000", False),
        ("80123456700015", False),
        # La Poste: its head office follows Luhn, its other establishments another rule.
        ("35600000000048", True),
        ("35600000049837", True),
        ("12345678901234", False),
    ],
)
def test_siret_keys(siret, valid):
    assert (valid_siret(siret) == siret) is valid


def test_siret_accepts_spaces_and_refuses_wrong_length(app):
    assert normalise_siret(" 732 829 320 00074 ") == "73282932000074"
    for bad in ("7328293200007", "7328293200007A", "732829320000745"):
        with app.test_request_context(), pytest.raises(InvalidSiret, match="14"):
            normalise_siret(bad)


def test_application_creates_pending_producer_and_logged_in_user(client):
    response = client.post("/producers/apply", data=APPLICATION)
    assert response.status_code == 200
    assert count(User) == 0  # nothing until the address is confirmed
    response = confirm_signup(client, db)
    assert response.status_code == 302
    assert response.location.endswith("/producer")
    user = db.session.scalar(select(User).where(User.email == "maia@example.org"))
    assert user.role == "producer"
    assert user.producer.status == "pending"
    assert user.producer.siret == "73282932000074"
    assert user.producer.labels == ["ab", "nature_progres"]
    page = client.get("/producer")
    assert "en cours d’examen" in page.text or "examin" in page.text
    # Until approval, the producer's pages lead back to the review page.
    response = client.get(f"/producers/{user.producer_id}/manage")
    assert response.status_code == 302 and response.location.endswith("/producer")
    assert client.get("/producers").text.count("Ferme des Barthes") == 0
    # The hub hears of the application, with a link to review it.
    [_confirmation, notice] = db.session.scalars(select(OutboxMessage)).all()
    assert notice.recipient == "contact@marche-seignanx.example"
    assert "Ferme des Barthes" in notice.subject
    assert f"/coordination/producers/{user.producer_id}" in notice.body


@pytest.mark.parametrize(
    "siret, message",
    [
        ("732 829 320 00075", "clé de contrôle"),
        ("7328293200007", "14 chiffres"),
        ("ABCDEFGHIJKLMN", "14 chiffres"),
    ],
)
def test_application_with_bad_siret_changes_nothing(client, siret, message):
    response = client.post("/producers/apply", data={**APPLICATION, "siret": siret})
    assert response.status_code == 400
    assert message in response.text
    assert count(Producer) == 0 and count(User) == 0


def test_application_with_taken_email_answers_alike_and_changes_nothing(app):
    factories.UserFactory(email="maia@example.org")
    db.session.commit()
    taken = app.test_client().post("/producers/apply", data=APPLICATION)
    fresh = app.test_client().post(
        "/producers/apply", data={**APPLICATION, "email": "autre@example.org"}
    )
    assert taken.status_code == fresh.status_code == 200
    assert page_text(taken).replace("maia@example.org", "autre@example.org") == page_text(fresh)
    assert count(Producer) == 0
    warning = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert warning.recipient == "maia@example.org"
    assert "/signup/" not in warning.body


def test_application_refused_when_logged_in(household_client):
    assert household_client.post("/producers/apply", data=APPLICATION).status_code == 403


def pending_producer():
    user = factories.ProducerUserFactory(producer__status="pending", email="p@example.org")
    db.session.commit()
    return user.producer


def test_coordinator_approves_and_applicant_is_emailed(coordinator_client):
    producer = pending_producer()
    response = coordinator_client.post(
        f"/coordination/producers/{producer.id}",
        data={"decision": "approve", "message": "Bienvenue !"},
    )
    assert response.status_code == 302
    assert producer.status == "approved" and producer.reviewed_at is not None
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "p@example.org"
    assert "Bienvenue !" in mail.body and "/producer" in mail.body
    assert producer.name in mail.subject


def test_coordinator_rejects_with_a_message(coordinator_client):
    producer = pending_producer()
    coordinator_client.post(
        f"/coordination/producers/{producer.id}",
        data={"decision": "reject", "message": "Hors territoire."},
    )
    assert producer.status == "rejected"
    mail = db.session.scalar(select(OutboxMessage))
    assert "Hors territoire." in mail.body


def test_review_twice_or_unknown_decision_is_refused(coordinator_client):
    producer = pending_producer()
    assert (
        coordinator_client.post(
            f"/coordination/producers/{producer.id}", data={"decision": "maybe"}
        ).status_code
        == 400
    )
    coordinator_client.post(f"/coordination/producers/{producer.id}", data={"decision": "reject"})
    response = coordinator_client.post(
        f"/coordination/producers/{producer.id}", data={"decision": "approve"}
    )
    assert response.status_code == 409
    assert producer.status == "rejected"
    assert count(OutboxMessage) == 1


def test_rejected_applicant_sees_the_message(app):
    from tests.conftest import logged_in_client

    user = factories.ProducerUserFactory(
        producer__status="rejected", producer__review_message="Hors territoire."
    )
    db.session.commit()
    assert "Hors territoire." in logged_in_client(app, user).get("/producer").text


def test_coordinator_creates_a_producer_directly(coordinator_client):
    response = coordinator_client.post(
        "/coordination/producers/new",
        data={"name": "Cave de Capbreton", "siret": "", "town": "Capbreton", "labels": ["hve"]},
    )
    assert response.status_code == 302
    producer = db.session.scalar(select(Producer))
    assert producer.status == "approved" and producer.labels == ["hve"]


def test_producer_edits_own_profile_with_bad_siret_refused(producer_client, producer_user):
    producer = producer_user.producer
    url = f"/producers/{producer.id}/manage/profile"
    response = producer_client.post(
        url, data={"name": "X", "town": "Ondres", "siret": "73282932000075"}
    )
    assert response.status_code == 400
    assert producer.name != "X"
    response = producer_client.post(
        url, data={"name": "Ferme renommée", "town": "Tarnos", "siret": "73282932000074"}
    )
    assert response.status_code == 302
    assert producer.name == "Ferme renommée"


def test_invitation_to_a_producer_yields_a_user_of_that_producer(coordinator_client, client):
    producer = factories.ProducerFactory()
    db.session.commit()
    response = coordinator_client.post(
        "/invitations",
        data={"email": "second@example.org", "role": "producer", "producer": producer.id},
    )
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.producer_id == producer.id
    # The token is only in the email: take it from the outbox.
    body = db.session.scalar(select(OutboxMessage)).body
    link = next(line for line in body.split() if "/invitations/" in line)
    path = link[link.index("/invitations/") :]
    response = client.post(
        path,
        data={
            "name": "Second",
            "password": "un-mot-de-passe-solide",
            "confirm": "un-mot-de-passe-solide",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "second@example.org"))
    assert user.producer_id == producer.id


def test_invitation_to_an_unknown_producer_is_refused(coordinator_client):
    response = coordinator_client.post(
        "/invitations",
        data={"email": "second@example.org", "role": "producer", "producer": "99999"},
    )
    assert response.status_code == 400
    assert count(Invitation) == 0


def test_producer_user_without_producer_is_told_so(app):
    from tests.conftest import logged_in_client

    user = factories.UserFactory(role="producer")
    db.session.commit()
    response = logged_in_client(app, user).get("/producer")
    assert response.status_code == 200
    assert "pas encore rattaché" in response.text


def test_coordinator_edits_any_producer_profile(coordinator_client):
    producer = factories.ProducerFactory(labels=["ab"])
    db.session.commit()
    url = f"/producers/{producer.id}/manage/profile"
    page = coordinator_client.get(url).text
    assert "checked" in page
    response = coordinator_client.post(
        url,
        data={"name": "Ferme corrigée", "town": "Labenne", "postcode": "40530", "labels": ["hve"]},
    )
    assert response.status_code == 302
    assert (producer.name, producer.town, producer.labels) == ("Ferme corrigée", "Labenne", ["hve"])
    response = coordinator_client.post(
        url, data={"name": "X", "town": "Labenne", "postcode": "4053"}
    )
    assert response.status_code == 400 and producer.name == "Ferme corrigée"


def test_the_hub_places_a_farm_on_the_map(coordinator_client):
    producer = factories.ProducerFactory()
    db.session.commit()
    url = f"/producers/{producer.id}/manage/profile"
    details = {"name": producer.name, "town": "Labenne", "postcode": "40530"}
    response = coordinator_client.post(
        url, data={**details, "latitude": "43.5947", "longitude": "-1.4256"}
    )
    assert response.status_code == 302
    assert (producer.latitude, producer.longitude) == (Decimal("43.5947"), Decimal("-1.4256"))
    for wrong, message in (
        ({"latitude": "43.6", "longitude": ""}, "la latitude et la longitude"),
        ({"latitude": "91", "longitude": "0"}, "Entre -90 et 90"),
    ):
        response = coordinator_client.post(url, data={**details, **wrong})
        assert response.status_code == 400 and message in response.text
        assert producer.latitude == Decimal("43.5947")
