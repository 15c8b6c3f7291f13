"""Producers' tax profiles, invoicing mandates, and invoices: issued once, never changed.

An invoice row holds everything it says (parties, lines, totals) as it was at issue, and its
PDF with the PDF's SHA-256; `content_sha256` covers the rest, so that `invoices verify` sees a
changed amount even where the database's triggers were taken off. Rows of `invoices` are
append-only (triggers, migration 0016), and a series' numbers run 1, 2, 3… in the order of
issue: the database refuses any other next number.
"""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import Model
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.auth.models import User
    from market.catalog.models import Producer


class VatRegime(StrEnum):
    NORMAL = "normal"
    FRANCHISE = "franchise"  # franchise en base: no VAT, art. 293 B du CGI
    FLAT_RATE_FARMER = "forfait"  # remboursement forfaitaire agricole: no VAT invoiced


VAT_REGIME_LABELS = {
    VatRegime.NORMAL.value: _l("Normal VAT regime"),
    VatRegime.FRANCHISE.value: _l("VAT exemption for small businesses (franchise en base)"),
    VatRegime.FLAT_RATE_FARMER.value: _l(
        "Flat-rate scheme for farmers (remboursement forfaitaire agricole)"
    ),
}
REGIME_VALUES = ", ".join(f"'{regime.value}'" for regime in VatRegime)


class InvoiceKind(StrEnum):
    SALE = "sale"  # in the producer's name, to a household
    CREDIT_NOTE = "credit_note"  # an avoir that cancels a sale invoice
    COMMISSION = "commission"  # the hub's, to a producer, monthly


KIND_LABELS = {
    InvoiceKind.SALE.value: _l("sales invoice"),
    InvoiceKind.CREDIT_NOTE.value: _l("credit note"),
    InvoiceKind.COMMISSION.value: _l("commission invoice"),
}
KIND_VALUES = ", ".join(f"'{kind.value}'" for kind in InvoiceKind)


class TaxProfile(Model):
    """What a producer's invoices say about it; the coordinator checks it after each change."""

    __tablename__ = "tax_profiles"
    __table_args__ = (CheckConstraint(f"vat_regime IN ({REGIME_VALUES})", name="regime_known"),)

    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id"), primary_key=True, autoincrement=False
    )
    legal_name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10))
    town: Mapped[str] = mapped_column(String(120))
    siret: Mapped[str] = mapped_column(String(14))
    vat_number: Mapped[str | None] = mapped_column(String(13))
    vat_regime: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    producer: Mapped["Producer"] = relationship()

    @property
    def siren(self) -> str:
        return self.siret[:9]

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None


class MandateAcceptance(Model):
    """A producer's acceptance of one version of the invoicing mandate, until withdrawn."""

    __tablename__ = "invoicing_mandates"
    __table_args__ = (
        Index("ix_invoicing_mandates_producer_id_withdrawn_at", "producer_id", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"))
    version: Mapped[int]
    # SHA-256 of the French text accepted: which words were agreed to, whatever comes later.
    text_sha256: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    accepted_by: Mapped["User | None"] = relationship(foreign_keys=[accepted_by_id])


class InvoiceSeries(Model):
    """The last number given in a series, moved under the row's lock."""

    __tablename__ = "invoice_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(Model):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series", "number"),
        UniqueConstraint("reference"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_known"),
        CheckConstraint(
            "total_excl_vat_cents + total_vat_cents = total_incl_vat_cents", name="totals_add_up"
        ),
        CheckConstraint(
            "kind <> 'credit_note' OR credited_invoice_id IS NOT NULL",
            name="credit_note_names_invoice",
        ),
        Index("ix_invoices_order_id_producer_id", "order_id", "producer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(index=True)
    # The producer concerned: the seller of a sale, the customer of a commission invoice.
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("order_cycles.id"), index=True)
    month: Mapped[str | None] = mapped_column(String(7))
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("invoicing_mandates.id"))
    vat_regime: Mapped[str] = mapped_column(String(20))
    # Everything the document says, frozen: parties, lines, VAT per rate, commission.
    content: Mapped[dict] = mapped_column(JSON)
    total_excl_vat_cents: Mapped[int]
    total_vat_cents: Mapped[int]
    total_incl_vat_cents: Mapped[int]
    # The ledger transactions (seq) whose money the invoice states.
    ledger_seqs: Mapped[list[int]] = mapped_column(JSON)
    # Deferred: lists of invoices never carry their PDFs.
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))

    credited_invoice: Mapped["Invoice | None"] = relationship(remote_side=[id])

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def sign(self) -> int:
        """Amounts are stored as printed; a credit note counts against its invoice."""
        return -1 if self.is_credit_note else 1

    @property
    def filename(self) -> str:
        return f"{self.reference}.pdf"
