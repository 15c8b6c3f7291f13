"""A producer's tax profile and its invoicing mandate: what the hub needs before it invoices
in the producer's name.

The profile is the producer's to edit; every change waits for the coordinator's check again.
SIRET and intra-community VAT numbers are checked with python-stdnum (a maintained library:
the Luhn key of the SIRET, La Poste's exception, the VAT key computed from the SIREN), and the
VAT number must be the one of the SIRET's company.

The mandate (mandat de facturation, CGI art. 289 I-2) is a versioned text: a producer accepts
the current version once; the acceptance records who, when, which version and the text's
SHA-256. Withdrawing it stops the invoices in the producer's name from then on, and the
coordinator is told by mail.
"""

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from stdnum.exceptions import ValidationError
from stdnum.fr import siret, tva

from market.catalog.models import Producer
from market.errors import DomainError
from market.extensions import db
from market.invoices.models import MandateAcceptance, TaxProfile, VatRegime
from market.mail.services import queue_mail
from market.rowlock import lock_row
from market.urls import external_url


class ProfileInvalid(DomainError):
    pass


class MandateRefused(DomainError):
    status = 409


# The mandate's versions, French being the text agreed to; a new wording is a new version.
MANDATE_VERSION = 1
MANDATE_TEXTS = {
    1: _l(
        "The producer gives the hub a mandate to draw up and issue, in its name and on its "
        "behalf, the invoices for the sales it makes to the households through the market "
        "(CGI art. 289 I-2). The invoices are numbered in a series of the producer's own, "
        'carry the mention "Facture établie par %(hub)s au nom et pour le compte de" the '
        "producer, and are made available to the producer as soon as they are issued. The "
        "producer remains responsible for its invoicing obligations and for the VAT these "
        "invoices state, and may contest an invoice within 15 days of its issue; past that, "
        "it is taken as accepted. The producer may withdraw this mandate at any time: no "
        "invoice is issued in its name afterwards."
    ),
}


def mandate_text(version: int = MANDATE_VERSION) -> str:
    return str(MANDATE_TEXTS[version]) % {"hub": current_app.config["HUB_NAME"]}


def mandate_sha256(version: int = MANDATE_VERSION) -> str:
    """The hash of the French text, the one the acceptance binds."""
    with force_locale("fr"):
        return hashlib.sha256(mandate_text(version).encode()).hexdigest()


def tax_profile(producer_id: int) -> TaxProfile | None:
    return db.session.get(TaxProfile, producer_id)


def checked_siret(text: str) -> str:
    try:
        return siret.validate(text or "")
    except ValidationError:
        raise ProfileInvalid(
            _l(
                "« %(number)s » is not a valid SIRET: 14 digits, as on the INSEE notice.",
                number=text,
            )
        ) from None


def checked_vat_number(text: str, siret_number: str) -> str:
    try:
        number = "FR" + tva.validate(text or "")  # the library keeps the digits only
    except ValidationError:
        raise ProfileInvalid(
            _l(
                "« %(number)s » is not a valid French VAT number (FR, two "
                "characters, then the SIREN).",
                number=text,
            )
        ) from None
    if tva.to_siren(number) != siret_number[:9]:
        raise ProfileInvalid(
            _l("The VAT number %(number)s is not the one of the SIRET's company.", number=number)
        )
    return number


def save_tax_profile(
    producer: Producer,
    *,
    legal_name: str,
    address: str,
    postcode: str,
    town: str,
    siret_text: str,
    vat_number: str,
    vat_regime: str,
    now: datetime,
) -> TaxProfile:
    """The producer's profile as it typed it, checked; any change waits for the coordinator."""
    fields = {
        "legal_name": legal_name.strip(),
        "address": address.strip(),
        "postcode": postcode.strip(),
        "town": town.strip(),
    }
    if not all(fields.values()):
        raise ProfileInvalid(_l("Give the legal name, the address, the postcode and the town."))
    if vat_regime not in {regime.value for regime in VatRegime}:
        raise ProfileInvalid(_l("Choose a VAT regime."))
    number = checked_siret(siret_text)
    vat = None
    if vat_number.strip():
        vat = checked_vat_number(vat_number, number)
    elif vat_regime == VatRegime.NORMAL:
        raise ProfileInvalid(
            _l("Under the normal VAT regime, the intra-community VAT number is required.")
        )
    lock_row(Producer, producer.id)
    profile = tax_profile(producer.id)
    if profile is None:
        profile = TaxProfile(producer_id=producer.id)
        db.session.add(profile)
    changes = {**fields, "siret": number, "vat_number": vat, "vat_regime": vat_regime}
    if any(getattr(profile, name) != value for name, value in changes.items()):
        for name, value in changes.items():
            setattr(profile, name, value)
        profile.updated_at = now
        profile.checked_at = profile.checked_by_id = None
    db.session.flush()
    return profile


def check_tax_profile(producer_id: int, checked_by_id: int, now: datetime) -> TaxProfile:
    profile = tax_profile(producer_id)
    if profile is None:
        raise ProfileInvalid(_l("This producer has not filled in its tax profile."))
    profile.checked_at = now
    profile.checked_by_id = checked_by_id
    db.session.flush()
    return profile


def active_mandate(producer_id: int) -> MandateAcceptance | None:
    return db.session.scalar(
        select(MandateAcceptance)
        .where(
            MandateAcceptance.producer_id == producer_id, MandateAcceptance.withdrawn_at.is_(None)
        )
        .order_by(MandateAcceptance.id.desc())
        .limit(1)
    )


def mandates_in_force() -> dict[int, MandateAcceptance]:
    """Per producer, its mandate in force: one query."""
    return {
        mandate.producer_id: mandate
        for mandate in db.session.scalars(
            select(MandateAcceptance).where(MandateAcceptance.withdrawn_at.is_(None))
        )
    }


def accept_mandate(
    producer: Producer, user_id: int, version: int, now: datetime
) -> MandateAcceptance:
    """Accept the current version; accepting what is already in force changes nothing."""
    if version != MANDATE_VERSION:
        raise MandateRefused(
            _l("The mandate's text has changed meanwhile: read it again before accepting it.")
        )
    lock_row(Producer, producer.id)
    current = active_mandate(producer.id)
    if current is not None and current.version == version:
        return current
    if current is not None:
        current.withdrawn_at, current.withdrawn_by_id = now, user_id
    mandate = MandateAcceptance(
        producer_id=producer.id,
        version=version,
        text_sha256=mandate_sha256(version),
        accepted_at=now,
        accepted_by_id=user_id,
    )
    db.session.add(mandate)
    db.session.flush()
    return mandate


def withdraw_mandate(producer: Producer, user_id: int, now: datetime) -> MandateAcceptance:
    lock_row(Producer, producer.id)
    current = active_mandate(producer.id)
    if current is None:
        raise MandateRefused(_l("There is no mandate in force to withdraw."))
    current.withdrawn_at, current.withdrawn_by_id = now, user_id
    db.session.flush()
    queue_mail(
        current_app.config["HUB_EMAIL"],
        "mandate_withdrawn",
        None,
        event_key=f"mandate-withdrawn:{current.id}",
        producer=producer,
        link=external_url("invoices.coordination"),
    )
    return current


def invoicing_blocker(producer_id: int) -> str | None:
    """Why the hub may not invoice in this producer's name now, or None."""
    profile = tax_profile(producer_id)
    if profile is None:
        return str(_l("no tax profile"))
    if not profile.is_checked:
        return str(_l("tax profile not checked by the coordinator"))
    if active_mandate(producer_id) is None:
        return str(_l("no invoicing mandate in force"))
    return None
