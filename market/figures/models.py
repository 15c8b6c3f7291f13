"""Summaries of settled cycles, so that the observatory reads a few thousand rows instead of
every order line and ledger entry of three years.

A settled cycle is summarised in the transaction that settles it (`summaries.py`), and again
for the household concerned whenever money of one of its orders moves afterwards (a missing
item, a weight, a reversal). A cycle without its `figure_cycles` row is read from the orders
and the ledger as before, so the figures never depend on the summaries being there; what a
summary names (household, producer, collection point, category) is joined at reading time, so
a commune, a farm's place or a category's name changed since reads as it is now.
Periods are the hub-time month and season of the cycle's planned closing (`queries.periods`).
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import Model
from market.timeutil import utcnow


class CycleFigures(Model):
    """A summarised cycle: its period and what the ledger says was sold in it."""

    __tablename__ = "figure_cycles"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    season: Mapped[str] = mapped_column(String(4))
    # −Σ of the sale entries of the cycle's orders on producers' accounts, and on the hub's
    # commission and its VAT.
    producers_share_cents: Mapped[int] = mapped_column(BigInteger)
    commission_cents: Mapped[int] = mapped_column(BigInteger)
    summarised_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaceFigures(Model):
    """What a producer sold to be collected at a point in a summarised cycle."""

    __tablename__ = "figure_places"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycles.id"), primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), primary_key=True)
    collection_point_id: Mapped[int] = mapped_column(
        ForeignKey("collection_points.id"), primary_key=True
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class HouseholdMonth(Model):
    """A household's placed orders in the summarised cycles of a month."""

    __tablename__ = "figure_household_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id"), primary_key=True, index=True
    )
    season: Mapped[str] = mapped_column(String(4), index=True)
    lines: Mapped[int]
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class HouseholdCategorySeason(Model):
    """What a household bought in a category (None: none) in the summarised cycles of a
    season."""

    __tablename__ = "figure_household_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    season: Mapped[str] = mapped_column(String(4), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
