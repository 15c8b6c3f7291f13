"""The public observatory: what the short circuit does for the territory, by month or season.

Each figure is a table (columns, rows) that the page draws as a chart, shows as a table and
gives away as CSV and JSON; a withheld cell is None (privacy.py). Eight aggregate queries
build all of it, whatever the number of orders.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from market.figures import queries
from market.figures.privacy import Part, protect

PERIODS = ("month", "season")
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    # text, cents, count, percent or km: how the page writes it.
    kind: str = "text"


@dataclass
class Figure:
    name: str
    title: object
    description: object
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    # The columns the chart draws, and how: "bar", "stacked" or "line".
    chart: str = "bar"
    series: tuple[str, ...] = ()
    label_column: str = "period"


def great_circle_km(lat1, lon1, lat2, lon2) -> float:
    """Distance as the crow flies (haversine); roads are longer, so it understates."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))  # not money
    dphi = phi2 - phi1
    dlambda = math.radians(float(lon2) - float(lon1))  # not money
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def period_label(key: str) -> str:
    if len(key) == 4:
        return str(_l("Season %(year)s", year=key))
    year, month = (int(part) for part in key.split("-"))
    return format_date(date(year, month, 1), "MMMM yyyy")


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Observatory:
    by: str
    threshold: int
    reference_km: int | None
    figures: list[Figure]

    def figure(self, name: str) -> Figure | None:
        return next((figure for figure in self.figures if figure.name == name), None)


def build(now: datetime, by: str = "month", *, summaries: bool = True) -> Observatory:
    """The observatory at `now`; `summaries=False` reads every cycle from the orders and the
    ledger, as the summaries are checked against."""
    threshold = current_app.config["FIGURES_PRIVACY_THRESHOLD"]
    reference_km = current_app.config.get("HUB_REFERENCE_DISTANCE_KM")
    found = queries.closed_cycles_and_summaries(now)
    cycles = [
        cycle
        for cycle, _summary in found
        if cycle.published_at is not None and cycle.closes_at <= now
    ]
    figures: list[Figure] = []
    if cycles:
        known = queries.periods(cycle for cycle, _summary in found)
        summarised = usable_summaries(found, known, now) if summaries else {}
        live_ids = [cycle.id for cycle in cycles if cycle.id not in summarised]
        source = Source(known, summarised, live_ids)
        rows, households = period_rows(source, by)
        seasons = source.households_grain("season")
        by_season = households if by == "season" else queries.households_by_period(seasons)
        protect_periods(rows, by, threshold)
        figures += period_figures(rows, reference_km)
        figures.append(
            breakdown_figure(
                "categories",
                _l("Sales by product category"),
                _l("What households bought, by category of product, per season."),
                _l("Category"),
                queries.category_breakdown(source.period("season"), live_ids, summarised),
                by_season,
                threshold,
                disjoint=False,
            )
        )
        figures.append(
            breakdown_figure(
                "communes",
                _l("Households by commune"),
                _l(
                    "Where the households who order live, counted together per commune and "
                    "season; a commune with too few households is counted with the others."
                ),
                _l("Commune"),
                queries.commune_breakdown(seasons),
                by_season,
                threshold,
                disjoint=True,
            )
        )
    return Observatory(by, threshold, reference_km, figures)


def usable_summaries(found, known: queries.Periods, now: datetime) -> dict:
    """{cycle id: summary} when every summary can be read; none when one cannot: a cycle
    summarised that has not closed by `now`, or whose month is not the one it was summarised
    in (the hub's time zone changed since: `figures rebuild`)."""
    summarised = {cycle.id: summary for cycle, summary in found if summary is not None}
    for cycle, summary in found:
        if summary is not None and (
            cycle.closes_at > now
            or summary.month != known.month_of_cycle[cycle.id]
            or summary.season != known.season_of_cycle[cycle.id]
        ):
            return {}
    return summarised


@dataclass
class Source:
    """Where the figures are read: the summaries of the summarised cycles, the orders and
    the ledger for the others (`live_ids`)."""

    known: queries.Periods
    summarised: dict
    live_ids: list[int]

    def period(self, by: str):
        """The period of an order's cycle, for the cycles read live."""
        return self.known.expression(by, queries.Order.cycle_id, self.live_ids)

    def summary_column(self, table, by: str):
        return table.month if by == "month" else table.season

    def households_grain(self, by: str):
        return queries.households_grain(
            self.period(by),
            self.live_ids,
            self.summarised,
            self.summary_column(queries.HouseholdMonth, by),
        )

    def sales(self, by: str) -> dict[str, dict[str, int]]:
        sales = queries.sales_by_period(self.period(by), self.live_ids) if self.live_ids else {}
        for summary in self.summarised.values():
            sold = sales.setdefault(self.summary_column(summary, by), {})
            sold["producer"] = sold.get("producer", 0) + summary.producers_share_cents
            sold["commission"] = sold.get("commission", 0) + summary.commission_cents
        return sales

    def places(self, by: str) -> dict[str, list[tuple]]:
        return queries.places_by_period(
            self.period(by),
            self.live_ids,
            self.summarised,
            self.summary_column(queries.CycleFigures, by),
        )


def period_rows(source: Source, by: str) -> tuple[list[dict], dict[str, int]]:
    """The rows of the period figures, and {period: households}."""
    grain = source.households_grain(by)
    sales = source.sales(by)
    households_of = queries.households_by_period(grain)
    newcomers = queries.new_households_by_period(grain)
    places = source.places(by)
    rows = []
    for key in sorted(households_of):
        households = households_of[key]
        sold = sales.get(key, {})
        share, commission = sold.get("producer", 0), sold.get("commission", 0)
        new = newcomers.get(key, 0)
        producers = len({place[0] for place in places.get(key, [])})
        located_places = [place[1:] for place in places.get(key, []) if None not in place[1:5]]
        weighted = sum(great_circle_km(*place[:4]) * int(place[4] or 0) for place in located_places)
        located = sum(int(place[4] or 0) for place in located_places)
        rows.append(
            {
                "period": key,
                "households": households,
                "producers": producers,
                "spent_cents": share + commission,
                "producers_share_cents": share,
                "commission_cents": commission,
                "producers_share_percent": percent(share, share + commission),
                "new_households": new,
                "returning_households": households - new,
                "repeat_rate_percent": percent(households - new, households),
                "average_distance_km": round(weighted / located, 1) if located else None,
                "located_percent": percent(located, share + commission),
            }
        )
    return rows, households_of


def protect_periods(rows: list[dict], by: str, threshold: int) -> None:
    """Withhold the periods resting on too few households; by month, also enough others in
    the same season that the season's total gives none of them back."""
    groups: dict[str, list[Part]] = {}
    for row in rows:
        group = row["period"][:4] if by == "month" else "all"
        groups.setdefault(group, []).append(Part(row["period"], row["households"], row))
    for parts in groups.values():
        if by == "month":
            protect(parts, threshold, disjoint=False)
        else:  # seasons are not summed on the page: each stands alone
            for part in parts:
                part.shown = part.households >= threshold
        for part in parts:
            if not part.shown:
                withhold(part.values)


def withhold(row: dict, keep: tuple[str, ...] = ("period",)) -> None:
    for key in row:
        if key not in keep:
            row[key] = None
    row["withheld"] = True


def period_figures(rows: list[dict], reference_km: int | None) -> list[Figure]:
    period = Column("period", _l("Period"))
    for row in rows:
        row.setdefault("withheld", False)
        row["reference_distance_km"] = None if row["withheld"] else reference_km
    return [
        Figure(
            "spending",
            _l("Money spent with local producers"),
            _l(
                "What households paid for their orders, split between the producers' share "
                "and the hub's commission (VAT included), as recorded in the ledger."
            ),
            [
                period,
                Column("spent_cents", _l("Spent"), "cents"),
                Column("producers_share_cents", _l("Producers' share"), "cents"),
                Column("commission_cents", _l("Hub's commission"), "cents"),
                Column("producers_share_percent", _l("Producers' share (%)"), "percent"),
            ],
            rows,
            chart="stacked",
            series=("producers_share_cents", "commission_cents"),
        ),
        Figure(
            "people",
            _l("Producers and households"),
            _l(
                "How many producers sold and how many households ordered; new households "
                "ordered for the first time, returning ones had ordered before."
            ),
            [
                period,
                Column("producers", _l("Producers"), "count"),
                Column("households", _l("Households"), "count"),
                Column("new_households", _l("New households"), "count"),
                Column("returning_households", _l("Returning households"), "count"),
                Column("repeat_rate_percent", _l("Repeat rate (%)"), "percent"),
            ],
            rows,
            chart="bar",
            series=("producers", "new_households", "returning_households"),
        ),
        Figure(
            "distance",
            _l("Distance from farm to collection point"),
            _l(
                "The average distance, as the crow flies, the food travels from the farm to "
                "the collection point, weighted by the amount sold; compared with the "
                "reference distance the hub sets for conventional supply."
            ),
            [
                period,
                Column("average_distance_km", _l("Average distance (km)"), "km"),
                Column("reference_distance_km", _l("Reference distance (km)"), "km"),
                Column("located_percent", _l("Sales with both places known (%)"), "percent"),
            ],
            rows,
            chart="line",
            series=("average_distance_km", "reference_distance_km"),
        ),
    ]


def breakdown_figure(
    name: str,
    title,
    description,
    key_label,
    found: queries.Breakdown,
    seasons: dict[str, int],
    threshold: int,
    disjoint: bool,
) -> Figure:
    rows: list[dict] = []
    for season in sorted(seasons):
        households = seasons[season]
        parts = [
            Part(
                key,
                found.households[(period, key)],
                {"amount_cents": amount, "households": found.households[(period, key)]},
            )
            for (period, key), amount in sorted(found.amounts.items())
            if period == season
        ]
        if households < threshold:
            rows.append(
                {
                    "period": season,
                    "key": None,
                    "households": None,
                    "amount_cents": None,
                    "percent": None,
                    "withheld": True,
                }
            )
            continue
        total = sum(part.values["amount_cents"] for part in parts)
        withheld = protect(parts, threshold, disjoint)
        for part in sorted(
            (part for part in parts if part.shown), key=lambda part: -part.values["amount_cents"]
        ):
            rows.append(
                {
                    "period": season,
                    "key": part.key or str(_l("Not given")),
                    "households": part.households,
                    "amount_cents": part.values["amount_cents"],
                    "percent": percent(part.values["amount_cents"], total),
                    "withheld": False,
                }
            )
        if withheld:
            amount = sum(part.values["amount_cents"] for part in withheld)
            rows.append(
                {
                    "period": season,
                    "key": str(_l("Others, too few each")),
                    "households": sum(part.households for part in withheld) if disjoint else None,
                    "amount_cents": amount,
                    "percent": percent(amount, total),
                    "withheld": False,
                }
            )
    return Figure(
        name,
        title,
        description,
        [
            Column("period", _l("Season")),
            Column("key", key_label),
            Column("households", _l("Households"), "count"),
            Column("amount_cents", _l("Amount"), "cents"),
            Column("percent", _l("Share (%)"), "percent"),
        ],
        rows,
        chart="bar",
        series=("amount_cents",),
        label_column="key",
    )
