"""Producers and products: onboarding, review, editing. They flush, never commit."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from market.auth.models import Role, SignupKind, User
from market.auth.services import create_user, makes_accounts
from market.catalog.errors import (
    AlreadyReviewed,
    BankAccountInvalid,
    CategoryTaken,
    InvalidProduct,
    InvalidSiret,
)
from market.catalog.models import (
    LABELS,
    UNIT_LABELS,
    VAT_RATES,
    Category,
    Producer,
    ProducerStatus,
    Product,
)
from market.catalog.signals import product_category_changed
from market.company_numbers import valid_siret
from market.errors import found
from market.extensions import db
from market.mail.services import queue_mail
from market.timeutil import utcnow
from market.urls import external_url

PRODUCER_FIELDS = ("name", "siret", "address", "postcode", "town", "description", "phone", "labels")
PRODUCT_FIELDS = (
    "name",
    "description",
    "category",
    "unit",
    "size",
    "price_cents",
    "vat_basis_points",
    "labels",
    "active",
    "sold_by_weight",
    "estimated_weight_grams",
)


def normalise_siret(text: str) -> str:
    """14 digits whose keys are right; spaces are allowed as people write them."""
    siret = "".join(text.split())
    if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
        raise InvalidSiret(_l("A SIRET number has 14 digits, e.g. 732 829 320 00074."))
    if valid_siret(siret) is None:
        raise InvalidSiret(
            _l(
                "« %(siret)s » is not a valid SIRET number: its check digit "
                "is wrong. Please check it on your Kbis or INSEE notice.",
                siret=text.strip(),
            )
        )
    return siret


def clean_text(value: str | None) -> str | None:
    return (value or "").strip() or None


def known_labels(labels) -> list[str]:
    return [label for label in LABELS if label in set(labels or ())]


def fill_producer(producer: Producer, fields: dict) -> None:
    producer.name = fields["name"].strip()
    producer.siret = normalise_siret(fields["siret"]) if clean_text(fields.get("siret")) else None
    for key in ("address", "postcode", "town", "description", "phone"):
        setattr(producer, key, clean_text(fields.get(key)))
    producer.labels = known_labels(fields.get("labels"))


def application(**fields) -> Producer:
    """The producer an application describes, checked but not saved."""
    producer = Producer(status=ProducerStatus.PENDING)
    fill_producer(producer, fields)
    if producer.siret is None:
        raise InvalidSiret(_l("A SIRET number has 14 digits, e.g. 732 829 320 00074."))
    return producer


@makes_accounts(SignupKind.PRODUCER)
def apply_as_producer(
    *, user_name: str, email: str, password_hash: str, locale: str | None, **fields
) -> User:
    """An applicant's user account (its address confirmed) and their producer, waiting for
    the coordinator."""
    producer = application(**fields)
    db.session.add(producer)
    user = create_user(
        name=user_name,
        email=email,
        phone=fields.get("phone"),
        password_hash=password_hash,
        role=Role.PRODUCER,
        locale=locale,
    )
    user.producer = producer
    db.session.flush()
    queue_mail(
        current_app.config["HUB_EMAIL"],
        "producer_application",
        None,
        user=user,
        producer=producer,
        link=external_url("catalog.review", producer_id=producer.id),
    )
    return user


def create_producer(**fields) -> Producer:
    """The coordinator sets up a producer directly: approved at once."""
    producer = Producer(status=ProducerStatus.APPROVED, reviewed_at=utcnow())
    fill_producer(producer, fields)
    db.session.add(producer)
    db.session.flush()
    return producer


def update_producer(producer: Producer, **fields) -> Producer:
    fill_producer(producer, fields)
    db.session.flush()
    return producer


def set_location(producer: Producer, latitude, longitude) -> None:
    """Where the farm is (the form has checked both or neither are given)."""
    producer.latitude, producer.longitude = latitude, longitude


def set_bank_account(producer: Producer, iban_text: str | None, bic_text: str | None) -> None:
    """Check the IBAN (its country's length and checksum) and the BIC with schwifty, a
    maintained library that knows every country's rules; empty clears them."""
    iban_text, bic_text = (iban_text or "").strip(), (bic_text or "").strip()
    if not iban_text:
        if bic_text:
            raise BankAccountInvalid(_l("Give the IBAN that goes with this BIC."))
        producer.iban = producer.bic = None
        return
    try:
        iban = IBAN(iban_text)
    except SchwiftyException:
        raise BankAccountInvalid(
            _l(
                "« %(iban)s » is not a valid IBAN: check it against your bank details.",
                iban=iban_text,
            )
        ) from None
    try:
        bic = BIC(bic_text) if bic_text else iban.bic
    except SchwiftyException:
        raise BankAccountInvalid(_l("« %(bic)s » is not a valid BIC.", bic=bic_text)) from None
    producer.iban = iban.compact
    producer.bic = str(bic.compact) if bic is not None else None
    db.session.flush()


def review(producer: Producer, *, approve: bool, message: str | None) -> Producer:
    """Approve or reject a pending application; every user of the producer is told by email."""
    if producer.status != ProducerStatus.PENDING:
        raise AlreadyReviewed(_l("This application has already been reviewed."))
    producer.status = ProducerStatus.APPROVED if approve else ProducerStatus.REJECTED
    producer.review_message = clean_text(message)
    producer.reviewed_at = utcnow()
    template = "producer_approved" if approve else "producer_rejected"
    link = external_url("catalog.dashboard")
    for user in producer.users:
        queue_mail(user.email, template, user.locale, user=user, producer=producer, link=link)
    db.session.flush()
    return producer


def list_producers_for_review() -> list[Producer]:
    query = (
        select(Producer)
        .options(selectinload(Producer.users))
        .order_by((Producer.status == ProducerStatus.PENDING.value).desc(), Producer.name)
    )
    return list(db.session.scalars(query))


def approved_producers() -> list[Producer]:
    query = (
        select(Producer)
        .where(Producer.status == ProducerStatus.APPROVED.value)
        .order_by(Producer.name)
    )
    return list(db.session.scalars(query))


def public_producer(producer_id: int) -> Producer:
    """An approved producer with its active products, loaded in a fixed number of queries."""
    query = (
        select(Producer)
        .where(Producer.id == producer_id, Producer.status == ProducerStatus.APPROVED.value)
        .options(selectinload(Producer.products).joinedload(Product.category))
    )
    return found(db.session.scalar(query))


def public_product(product_id: int) -> Product:
    query = (
        select(Product)
        .join(Product.producer)
        .where(
            Product.id == product_id,
            Product.active.is_(True),
            Producer.status == ProducerStatus.APPROVED.value,
        )
        .options(selectinload(Product.producer), selectinload(Product.category))
    )
    return found(db.session.scalar(query))


def producer_products(producer: Producer) -> list[Product]:
    query = (
        select(Product)
        .where(Product.producer_id == producer.id)
        .options(selectinload(Product.category))
        .order_by(Product.active.desc(), Product.name)
    )
    return list(db.session.scalars(query))


def product_of(producer: Producer, product_id: int) -> Product:
    """A product of this producer; another producer's product is simply not found."""
    product = db.session.scalar(
        select(Product).where(Product.id == product_id, Product.producer_id == producer.id)
    )
    return found(product)


def check_product(fields: dict) -> None:
    if fields["unit"] not in UNIT_LABELS:
        raise InvalidProduct(_l("« %(unit)s » is not a unit of sale.", unit=fields["unit"]))
    if fields["vat_basis_points"] not in VAT_RATES:
        raise InvalidProduct(_l("The VAT rate must be 5.5, 10 or 20 percent."))
    if fields["price_cents"] < 0:
        raise InvalidProduct(_l("A price cannot be negative."))
    weight = fields.get("estimated_weight_grams")
    if fields["sold_by_weight"] and not (weight and weight > 0):
        raise InvalidProduct(
            _l("A product sold by weight needs the estimated weight of a piece, in grams.")
        )


def fill_product(product: Product, fields: dict) -> None:
    check_product(fields)
    product.name = fields["name"].strip()
    product.description = clean_text(fields.get("description"))
    category, before = fields.get("category"), product.category_id
    product.category = category
    product.unit = fields["unit"]
    product.size = clean_text(fields.get("size"))
    product.price_cents = fields["price_cents"]
    product.vat_basis_points = fields["vat_basis_points"]
    product.labels = known_labels(fields.get("labels"))
    product.active = bool(fields.get("active", True))
    product.sold_by_weight = bool(fields["sold_by_weight"])
    product.estimated_weight_grams = fields.get("estimated_weight_grams") or None
    after = category.id if category is not None else None
    if product.id is not None and (after != before or (category is not None and after is None)):
        product_category_changed.send(product)


def create_product(producer: Producer, **fields) -> Product:
    product = Product(producer=producer)
    fill_product(product, fields)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, **fields) -> Product:
    fill_product(product, fields)
    db.session.flush()
    return product


def set_active(product: Product, active: bool) -> Product:
    product.active = active
    db.session.flush()
    return product


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def category_by_name(name: str) -> Category | None:
    return db.session.scalar(
        select(Category).where(func.lower(Category.name) == name.strip().lower())
    )


def save_category(category: Category | None, name: str, position: int) -> Category:
    existing = category_by_name(name)
    if existing is not None and existing is not category:
        raise CategoryTaken(_l("A category named « %(name)s » already exists.", name=name.strip()))
    if category is None:
        category = Category()
        db.session.add(category)
    category.name = name.strip()
    category.position = position
    db.session.flush()
    return category
