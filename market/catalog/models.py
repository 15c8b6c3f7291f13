"""Producers, their products and the categories the coordinator keeps."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from babel.numbers import format_percent
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model, stored_enum
from market.pricing import line_amount
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.auth.models import User


class ProducerStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


PRODUCER_STATUS_LABELS = {
    ProducerStatus.PENDING.value: _l("awaiting review"),
    ProducerStatus.APPROVED.value: _l("approved"),
    ProducerStatus.REJECTED.value: _l("rejected"),
}

# Quality labels a producer or a product may carry; keys are stored, names are shown.
LABELS = {
    "ab": _l("Organic farming (AB)"),
    "nature_progres": _l("Nature & Progrès"),
    "demeter": _l("Demeter"),
    "hve": _l("High environmental value (HVE)"),
    "bienvenue_ferme": _l("Bienvenue à la ferme"),
    "label_rouge": _l("Label Rouge"),
    "aop": _l("Protected designation of origin (AOP)"),
    "igp": _l("Protected geographical indication (IGP)"),
}


class Unit(StrEnum):
    PIECE = "piece"
    KG = "kg"
    G = "g"
    LITRE = "litre"
    BUNCH = "bunch"
    BOX = "box"
    DOZEN = "dozen"
    JAR = "jar"
    BOTTLE = "bottle"
    TRAY = "tray"


UNIT_LABELS = {
    Unit.PIECE.value: _l("piece"),
    Unit.KG.value: _l("kg"),
    Unit.G.value: _l("g"),
    Unit.LITRE.value: _l("litre"),
    Unit.BUNCH.value: _l("bunch"),
    Unit.BOX.value: _l("box"),
    Unit.DOZEN.value: _l("dozen"),
    Unit.JAR.value: _l("jar"),
    Unit.BOTTLE.value: _l("bottle"),
    Unit.TRAY.value: _l("tray"),
}

# A quantity in its unit, plural as each language wants: "1 botte", "3 bottes", "2 kg".
QUANTITY_IN_UNIT = {
    Unit.PIECE.value: lambda count: ngettext("%(num)d piece", "%(num)d pieces", count),
    Unit.KG.value: lambda count: ngettext("%(num)d kg", "%(num)d kg", count),
    Unit.G.value: lambda count: ngettext("%(num)d g", "%(num)d g", count),
    Unit.LITRE.value: lambda count: ngettext("%(num)d litre", "%(num)d litres", count),
    Unit.BUNCH.value: lambda count: ngettext("%(num)d bunch", "%(num)d bunches", count),
    Unit.BOX.value: lambda count: ngettext("%(num)d box", "%(num)d boxes", count),
    Unit.DOZEN.value: lambda count: ngettext("%(num)d dozen", "%(num)d dozen", count),
    Unit.JAR.value: lambda count: ngettext("%(num)d jar", "%(num)d jars", count),
    Unit.BOTTLE.value: lambda count: ngettext("%(num)d bottle", "%(num)d bottles", count),
    Unit.TRAY.value: lambda count: ngettext("%(num)d tray", "%(num)d trays", count),
}


def quantity_in_unit(quantity: int, unit: str) -> str:
    return QUANTITY_IN_UNIT[unit](quantity)


# VAT rates in basis points (1/100 of a percent): exact, never a float.
VAT_RATES = (550, 1000, 2000)
DEFAULT_VAT = 550  # the reduced rate for most food
VAT_LABELS = {550: "5,5 %", 1000: "10 %", 2000: "20 %"}


def vat_rate_text(basis_points: int) -> str:
    """A VAT rate as the reader's language writes it: "5,5 %" in French, "5.5%" in
    English. (VAT_LABELS stays French: the spreadsheets and exports are.)"""
    return format_percent(
        Decimal(basis_points) / 10_000, locale=get_locale(), decimal_quantization=False
    )


UNIT_VALUES = ", ".join(f"'{unit.value}'" for unit in Unit)
STATUS_VALUES = ", ".join(f"'{status.value}'" for status in ProducerStatus)
VAT_VALUES = ", ".join(str(rate) for rate in VAT_RATES)


class Producer(Model):
    __tablename__ = "producers"
    __table_args__ = (CheckConstraint(f"status IN ({STATUS_VALUES})", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    status: Mapped[ProducerStatus] = mapped_column(
        stored_enum(ProducerStatus, 20), default=ProducerStatus.PENDING, index=True
    )
    siret: Mapped[str | None] = mapped_column(String(14))
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(120))
    # The farm or workshop, set by the hub: how far its food travels to each collection point.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    description: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(30))
    # Where the hub pays the producer (SEPA credit transfer), checked when entered.
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_message: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="producer")
    products: Mapped[list["Product"]] = relationship(
        back_populates="producer", order_by="Product.name"
    )

    @property
    def is_approved(self) -> bool:
        return self.status == ProducerStatus.APPROVED

    @property
    def is_pending(self) -> bool:
        return self.status == ProducerStatus.PENDING


class Category(Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Product(Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(f"unit IN ({UNIT_VALUES})", name="unit_known"),
        CheckConstraint(f"vat_basis_points IN ({VAT_VALUES})", name="vat_known"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        # Sold by weight: the price is per kg and the pieces' weight must be estimated.
        CheckConstraint(
            "NOT sold_by_weight OR (estimated_weight_grams IS NOT NULL "
            "AND estimated_weight_grams > 0)",
            name="weight_estimated",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[Unit] = mapped_column(stored_enum(Unit, 20), default=Unit.PIECE)
    size: Mapped[str | None] = mapped_column(String(40))
    # Including VAT; per kg when sold by weight.
    price_cents: Mapped[int]
    vat_basis_points: Mapped[int] = mapped_column(default=DEFAULT_VAT)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    sold_by_weight: Mapped[bool] = mapped_column(default=False)
    estimated_weight_grams: Mapped[int | None]
    photo: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    producer: Mapped[Producer] = relationship(back_populates="products")
    category: Mapped[Category | None] = relationship()

    @property
    def estimated_price_cents(self) -> int:
        """What one piece sold by weight costs, estimated; rounded half up to the cent."""
        return line_amount(self.price_cents, 1, self.sold_by_weight, self.estimated_weight_grams)
