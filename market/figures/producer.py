"""A producer's figures over a season: sales per cycle and per product, what the hub paid
and still owes, and the share the hub's commission took. Six aggregate queries."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from market.figures import queries
from market.figures.observatory import Column, Figure, percent
from market.timeutil import to_hub_time

# How many products are named as the best and the least sold.
PODIUM = 3


@dataclass
class ProducerFigures:
    season: str
    seasons: list[str]
    sales: Figure
    products: list[tuple[str, int, int]] = field(default_factory=list)
    paid_out_cents: int = 0
    owed_cents: int = 0

    @property
    def sold_cents(self) -> int:
        return sum(row["sold_cents"] for row in self.sales.rows)

    @property
    def share_cents(self) -> int:
        return sum(row["share_cents"] for row in self.sales.rows)

    @property
    def commission_cents(self) -> int:
        return self.sold_cents - self.share_cents

    @property
    def commission_percent(self) -> float | None:
        return percent(self.commission_cents, self.sold_cents)

    @property
    def best(self) -> list[tuple[str, int, int]]:
        return self.products[:PODIUM]

    @property
    def least(self) -> list[tuple[str, int, int]]:
        """The least sold, least first, never one already among the best."""
        return list(reversed(self.products[PODIUM:]))[:PODIUM]


def season_of(cycle) -> str:
    return f"{to_hub_time(cycle.scheduled_closes_at).year:04d}"


def build(producer_id: int, now: datetime, season: str | None = None) -> ProducerFigures:
    cycles = queries.closed_cycles(now)
    seasons = sorted({season_of(cycle) for cycle in cycles}, reverse=True)
    season = season or (seasons[0] if seasons else f"{to_hub_time(now).year:04d}")
    in_season = [cycle for cycle in cycles if season_of(cycle) == season]
    ids = [cycle.id for cycle in in_season]
    shares = queries.producer_sales_by_cycle(producer_id, ids)
    sold = queries.producer_lines_by_cycle(producer_id, ids)
    rows = [
        {
            "period": cycle.name,
            "sold_cents": sold.get(cycle.id, 0),
            "share_cents": shares.get(cycle.id, 0),
            "commission_cents": sold.get(cycle.id, 0) - shares.get(cycle.id, 0),
            "withheld": False,
        }
        for cycle in in_season
        if cycle.id in sold or cycle.id in shares
    ]
    sales = Figure(
        "sales",
        _l("My sales per cycle"),
        _l(
            "What households paid for your products in each cycle of the season, and your "
            "share after the hub's commission."
        ),
        [
            Column("period", _l("Cycle")),
            Column("sold_cents", _l("Sold"), "cents"),
            Column("share_cents", _l("My share"), "cents"),
            Column("commission_cents", _l("Hub's commission"), "cents"),
        ],
        rows,
        chart="stacked",
        series=("share_cents", "commission_cents"),
    )
    return ProducerFigures(
        season,
        seasons,
        sales,
        products=queries.producer_products(producer_id, ids),
        paid_out_cents=queries.producer_paid_out(producer_id),
        owed_cents=queries.producer_balance(producer_id),
    )
