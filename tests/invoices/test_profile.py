"""The producer's tax profile (checked numbers, checked by the coordinator) and its mandate."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from market.invoices import services
from market.invoices.models import MandateAcceptance
from market.mail.models import OutboxMessage
from market.timeutil import utcnow
from tests.factories import ProducerFactory, ProducerUserFactory

GOOD = {
    "legal_name": "EARL Ferme Lafitte",
    "address": "12 chemin des Barthes",
    "postcode": "40440",
    "town": "Ondres",
    "siret_text": "732 829 320 00074",
    "vat_number": "FR 44 732829320",
    "vat_regime": "normal",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"siret_text": "73282932000075"}, "n’est pas un SIRET valide"),
        ({"vat_number": "FR45732829320"}, "n’est pas un numéro de TVA"),
        ({"vat_number": "FR83404833048"}, "n’est pas celui de l’entreprise"),
        ({"vat_number": ""}, "numéro de TVA intracommunautaire est obligatoire"),
        ({"town": "  "}, "raison sociale"),
        ({"vat_regime": "other"}, "régime de TVA"),
    ],
)
def test_a_bad_profile_is_refused_and_nothing_is_written(db, change, message):
    producer = ProducerFactory()
    with pytest.raises(services.ProfileInvalid, match=message):
        services.save_tax_profile(producer, **{**GOOD, **change}, now=utcnow())
    assert services.tax_profile(producer.id) is None


def test_a_profile_waits_for_the_coordinator_again_after_each_change(db, coordinator_user):
    producer = ProducerFactory()
    profile = services.save_tax_profile(producer, **GOOD, now=utcnow())
    assert (profile.siret, profile.vat_number, profile.siren) == (
        "73282932000074",
        "FR44732829320",
        "732829320",
    )
    assert (
        services.invoicing_blocker(producer.id) == "profil fiscal non vérifié par le coordinateur"
    )
    services.check_tax_profile(producer.id, coordinator_user.id, utcnow())
    assert profile.is_checked
    services.save_tax_profile(producer, **GOOD, now=utcnow())  # the same: still checked
    assert profile.is_checked
    services.save_tax_profile(
        producer, **{**GOOD, "vat_regime": "franchise", "vat_number": ""}, now=utcnow()
    )
    assert not profile.is_checked and profile.vat_number is None


def test_the_mandate_is_accepted_once_withdrawn_and_the_coordinator_told(app, db):
    user = ProducerUserFactory()
    producer = user.producer
    with pytest.raises(services.MandateRefused):
        services.accept_mandate(producer, user.id, services.MANDATE_VERSION + 1, utcnow())
    mandate = services.accept_mandate(producer, user.id, services.MANDATE_VERSION, utcnow())
    assert (
        services.accept_mandate(producer, user.id, services.MANDATE_VERSION, utcnow()).id
        == mandate.id
    )
    assert (mandate.version, mandate.accepted_by_id, mandate.text_sha256) == (
        1,
        user.id,
        services.mandate_sha256(),
    )
    services.withdraw_mandate(producer, user.id, utcnow())
    db.session.commit()
    assert services.active_mandate(producer.id) is None
    told = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == app.config["HUB_EMAIL"])
    ).all()
    assert [message.subject for message in told] == [
        f"Mandat de facturation retiré : {producer.name}"
    ]
    with pytest.raises(services.MandateRefused):
        services.withdraw_mandate(producer, user.id, utcnow())


def test_an_accepted_mandate_cannot_be_rewritten_or_deleted(db):
    user = ProducerUserFactory()
    mandate = services.accept_mandate(user.producer, user.id, 1, utcnow())
    db.session.commit()
    for statement in (
        "UPDATE invoicing_mandates SET version = 2",
        "DELETE FROM invoicing_mandates",
    ):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert (
        db.session.scalar(
            select(MandateAcceptance.version).where(MandateAcceptance.id == mandate.id)
        )
        == 1
    )
