"""Observatory benchmark: three years of weekly cycles, 2,000 households, 20 producers.

Prints the time to build the whole public observatory (every figure, by month and by
season) from the summaries of settled cycles (every cycle settled but the last, summarised
by the rebuild, whose time is printed too), the number of SQL queries and the peak Python
memory it took, side by side with the same page read live (every cycle from the orders and
the ledger, as before the summaries; the two must agree) and with a floor: the simplest
way of reading what the figures rest on, one plain sum over the ledger's entries and one
over the order lines, which any way of reading them live has to pay at least.
The data is bulk-inserted (no web, no services): each order is posted to the ledger as the
services split it, but its transactions are not hash-chained (the figures never read the
chain; `ledger verify` would refuse them).

    .venv/bin/python bench/observatory.py [--households 2000] [--weeks 156] [--lines 5] [--keep]

SQLite in a temporary file by default; MARKET_BENCH_DATABASE_URL=postgresql://…/market_bench
runs it on PostgreSQL (the database is emptied and rebuilt; its name must contain "bench" or
"test"). With --keep, a PostgreSQL database that already holds the data of these sizes (from
an earlier run) is kept and only brought to the newest migration, which saves the quarter of
an hour building it takes. Target: the observatory in ≤ 1 s on PostgreSQL.
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.exports import bench_app, bench_database_url, ids, prepare  # noqa: E402
from market.extensions import db  # noqa: E402
from tests.helpers import count_queries  # noqa: E402

TARGET_SECONDS = 1.0
POINTS, PRODUCERS, PRODUCTS_PER_PRODUCER = 5, 20, 10
COMMUNES = (
    "Ondres",
    "Tarnos",
    "Saint-Martin-de-Seignanx",
    "Saint-André-de-Seignanx",
    "Biarrotte",
    "Biaudos",
    "Saint-Barthélemy",
    "Saint-Laurent-de-Gosse",
)
CATEGORIES = ("Légumes", "Fruits", "Fromages", "Viandes", "Pain", "Épicerie")
# One household in five skips a given week: about 1,600 orders a week.
SKIP_EVERY = 5


def build(households: int, weeks: int, lines_per_order: int) -> tuple[int, int]:
    """Bulk-insert the history; (orders, order lines)."""
    from market.auth.models import Household
    from market.catalog.models import Category, Producer, Product
    from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
    from market.ledger.accounts import account_ids
    from market.ledger.builders import as_entries, sale_entries
    from market.ledger.models import LedgerEntry, LedgerTransaction
    from market.ledger.posting import normalise
    from market.orders.models import Order, OrderLine
    from market.pricing import line_amount
    from tests.ledger.conftest import triggers_set_aside

    now = datetime.now(UTC)
    db.session.execute(
        insert(Household),
        [
            {"name": f"Foyer {n:04d}", "town": COMMUNES[n % len(COMMUNES)], "created_at": now}
            for n in range(households)
        ],
    )
    household_ids = ids(Household)
    db.session.execute(
        insert(Category), [{"name": name, "position": n} for n, name in enumerate(CATEGORIES)]
    )
    category_ids = ids(Category)
    db.session.execute(
        insert(Producer),
        [
            {
                "name": f"Ferme {n:02d}",
                "status": "approved",
                "labels": [],
                "created_at": now,
                "latitude": Decimal("43.50") + Decimal(n) / 100,
                "longitude": Decimal("-1.40"),
            }
            for n in range(PRODUCERS)
        ],
    )
    producer_ids = ids(Producer)
    db.session.execute(
        insert(Product),
        [
            {
                "producer_id": p,
                "category_id": category_ids[(p + k) % len(category_ids)],
                "name": f"Produit {p}-{k}",
                "unit": "kg" if k == 0 else "piece",
                "price_cents": 150 + 37 * k,
                "vat_basis_points": 550,
                "labels": [],
                "active": True,
                "sold_by_weight": k == 0,
                "estimated_weight_grams": 1200 if k == 0 else None,
                "created_at": now,
                "updated_at": now,
            }
            for p in producer_ids
            for k in range(PRODUCTS_PER_PRODUCER)
        ],
    )
    products = db.session.execute(
        text(
            "SELECT id, producer_id, name, unit, price_cents, sold_by_weight, "
            "estimated_weight_grams FROM products ORDER BY id"
        )
    ).all()
    db.session.execute(
        insert(CollectionPoint),
        [
            {
                "name": f"Point {n}",
                "address": "1 rue",
                "postcode": "40220",
                "town": "Tarnos",
                "latitude": Decimal("43.54"),
                "longitude": Decimal("-1.46") + Decimal(n) / 50,
                "active": True,
                "created_at": now,
            }
            for n in range(POINTS)
        ],
    )
    point_ids = ids(CollectionPoint)
    first = now - timedelta(weeks=weeks + 1)
    db.session.execute(
        insert(OrderCycle),
        [
            {
                "name": f"Semaine {week}",
                "opens_at": first + timedelta(weeks=week),
                "closes_at": first + timedelta(weeks=week, days=4),
                "published_at": first + timedelta(weeks=week, days=-1),
                "orders_numbered": households,
                "created_at": now,
            }
            for week in range(weeks)
        ],
    )
    cycle_ids = ids(OrderCycle)
    accounts = account_ids(
        [
            *(f"household:{h}" for h in household_ids),
            *(f"producer:{p}" for p in producer_ids),
            "hub:commission",
            "hub:vat",
        ]
    )
    orders = lines = 0
    seq = 0
    in_database = db.engine.dialect.name == "postgresql"
    for week, cycle_id in enumerate(cycle_ids):
        opens = first + timedelta(weeks=week)
        db.session.execute(
            insert(CyclePickup),
            [
                {
                    "cycle_id": cycle_id,
                    "collection_point_id": point,
                    "starts_at": opens,
                    "ends_at": opens + timedelta(hours=2),
                    "orders_count": 0,
                }
                for point in point_ids
            ],
        )
        pickup_ids = list(
            db.session.scalars(
                select(CyclePickup.id)
                .where(CyclePickup.cycle_id == cycle_id)
                .order_by(CyclePickup.id)
            )
        )
        db.session.execute(
            insert(Offer),
            [
                {
                    "cycle_id": cycle_id,
                    "product_id": product.id,
                    "price_cents": product.price_cents,
                    "ordered_quantity": 0,
                    "confirmed": True,
                    "created_at": now,
                }
                for product in products
            ],
        )
        offer_ids = list(
            db.session.scalars(
                select(Offer.id).where(Offer.cycle_id == cycle_id).order_by(Offer.id)
            )
        )
        if in_database:
            continue  # the orders of every week at once, below
        buyers = [h for n, h in enumerate(household_ids) if (n + week) % SKIP_EVERY]
        db.session.execute(
            insert(Order),
            [
                {
                    "cycle_id": cycle_id,
                    "household_id": h,
                    "pickup_id": pickup_ids[n % POINTS],
                    "number": n + 1,
                    "reference": f"{cycle_id}-{n + 1:04d}",
                    "status": "placed",
                    "payment_choice": "pickup",
                    "version": 1,
                    "created_at": opens,
                    "updated_at": opens,
                }
                for n, h in enumerate(buyers)
            ],
        )
        order_ids = list(
            db.session.scalars(
                select(Order.id).where(Order.cycle_id == cycle_id).order_by(Order.id)
            )
        )
        line_rows, transactions, entries = [], [], []
        for n, (order_id, household_id) in enumerate(zip(order_ids, buyers, strict=True)):
            sold = []
            for k in range(lines_per_order):
                index = (n * 7 + k * 13 + week) % len(products)
                product = products[index]
                quantity = 1 + (n + k) % 3
                line_rows.append(
                    {
                        "order_id": order_id,
                        "offer_id": offer_ids[index],
                        "product_id": product.id,
                        "producer_id": product.producer_id,
                        "product_name": product.name,
                        "unit": product.unit,
                        "quantity": quantity,
                        "unit_price_cents": product.price_cents,
                        "vat_basis_points": 550,
                        "sold_by_weight": product.sold_by_weight,
                        "estimated_weight_grams": product.estimated_weight_grams,
                        "missing_quantity": 0,
                    }
                )
                sold.append(
                    (
                        product.producer_id,
                        line_amount(
                            product.price_cents,
                            quantity,
                            product.sold_by_weight,
                            product.estimated_weight_grams,
                        ),
                        550,
                    )
                )
            seq += 1
            key = f"bench-{seq}"
            transactions.append(
                {
                    "id": seq,
                    "seq": seq,
                    "format": 2,
                    "occurred_at": opens + timedelta(hours=1),
                    "kind": "order.placed",
                    "idempotency_key": key,
                    "payload_hash": "0" * 64,
                    "reference": key,
                    "memo": "",
                    "payment_method": None,
                    "reverses_id": None,
                    "order_id": order_id,
                    "prev_hash": None,
                    "hash": f"{seq:064x}",
                }
            )
            rows = normalise(as_entries(sale_entries(household_id, sold, 1000)))
            entries += [
                {
                    "transaction_id": seq,
                    "position": position,
                    "account_id": accounts[account],
                    "amount": amount,
                    "vat_rate": rate,
                }
                for position, (account, amount, rate) in enumerate(rows)
            ]
        db.session.execute(insert(OrderLine), line_rows)
        with triggers_set_aside(db.session.connection()):
            db.session.execute(insert(LedgerTransaction), transactions)
            db.session.execute(insert(LedgerEntry), entries)
        orders += len(order_ids)
        lines += len(line_rows)
    if in_database:
        orders, lines = orders_in_database(len(products), lines_per_order)
    db.session.commit()
    analyse()
    return orders, lines


def analyse() -> None:
    """Planner statistics, as a live database has."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))


# PostgreSQL writes the orders, their lines and their postings itself, the same rows the loop
# above writes from Python (week w = the cycle's rank, b = the buyer's rank in the week, each
# order's k-th line the product of rank (7b + 13k + w) mod products, 1 + (b + k) mod 3 units,
# each line split as market.ledger.commission.split_line splits it at 10 %), in a few
# statements instead of a quarter of an hour of Python.
ORDERS_SQL = """
WITH c AS (SELECT id, opens_at, row_number() OVER (ORDER BY id) - 1 AS w FROM order_cycles),
h AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM households),
b AS (
    SELECT c.id AS cycle_id, c.opens_at, h.id AS household_id,
           row_number() OVER (PARTITION BY c.id ORDER BY h.n) - 1 AS b
    FROM c CROSS JOIN h WHERE (h.n + c.w) % :skip <> 0
),
p AS (SELECT id, cycle_id, row_number() OVER (PARTITION BY cycle_id ORDER BY id) - 1 AS i
      FROM cycle_pickups)
INSERT INTO orders (cycle_id, household_id, pickup_id, number, reference, status,
                    payment_choice, version, created_at, updated_at)
SELECT b.cycle_id, b.household_id, p.id, b.b + 1,
       b.cycle_id || '-' || lpad((b.b + 1)::text, 4, '0'), 'placed', 'pickup', 1,
       b.opens_at, b.opens_at
FROM b JOIN p ON p.cycle_id = b.cycle_id AND p.i = b.b % :points
"""
LINES_SQL = """
WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS w FROM order_cycles),
o AS (SELECT o.id, o.cycle_id, o.number - 1 AS b, c.w FROM orders o JOIN c ON c.id = o.cycle_id),
pr AS (SELECT *, row_number() OVER (ORDER BY id) - 1 AS i FROM products),
f AS (SELECT id, cycle_id, row_number() OVER (PARTITION BY cycle_id ORDER BY id) - 1 AS i
      FROM offers),
k AS (SELECT generate_series(0, :lines - 1) AS k)
INSERT INTO order_lines (order_id, offer_id, product_id, producer_id, product_name, unit,
                         quantity, unit_price_cents, vat_basis_points, sold_by_weight,
                         estimated_weight_grams, missing_quantity)
SELECT o.id, f.id, pr.id, pr.producer_id, pr.name, pr.unit, 1 + (o.b + k.k) % 3,
       pr.price_cents, 550, pr.sold_by_weight, pr.estimated_weight_grams, 0
FROM o CROSS JOIN k
JOIN pr ON pr.i = (o.b * 7 + k.k * 13 + o.w) % :products
JOIN f ON f.cycle_id = o.cycle_id AND f.i = pr.i
"""
TRANSACTIONS_SQL = """
INSERT INTO ledger_transactions (id, seq, format, occurred_at, kind, idempotency_key,
                                 payload_hash, reference, memo, order_id, hash)
SELECT o.s, o.s, 2, c.opens_at + interval '1 hour', 'order.placed', 'bench-' || o.s,
       repeat('0', 64), 'bench-' || o.s, '', o.id, lpad(to_hex(o.s), 64, '0')
FROM (SELECT id, cycle_id, row_number() OVER (ORDER BY id) AS s FROM orders) o
JOIN order_cycles c ON c.id = o.cycle_id
"""
ENTRIES_SQL = """
WITH a AS (
    SELECT l.order_id, l.producer_id,
           CASE WHEN l.sold_by_weight
                THEN (l.unit_price_cents * l.estimated_weight_grams * l.quantity + 500) / 1000
                ELSE l.unit_price_cents * l.quantity END AS amount
    FROM order_lines l
),
i AS (SELECT *, (2 * amount * 1000 + 10000) / 20000 AS incl FROM a),
s AS (SELECT *, (2 * incl * 10000 + 12000) / 24000 AS excl FROM i),
e AS (
    SELECT order_id, 0 AS rank, 'household:' || o.household_id AS key, sum(amount) AS amount,
           NULL::integer AS rate
    FROM s JOIN orders o ON o.id = s.order_id GROUP BY order_id, o.household_id
    UNION ALL
    SELECT order_id, 1, 'producer:' || producer_id, -sum(amount - incl), 550
    FROM s GROUP BY order_id, producer_id
    UNION ALL
    SELECT order_id, 2, 'hub:commission', -sum(excl), 550 FROM s GROUP BY order_id
    UNION ALL
    SELECT order_id, 3, 'hub:vat', -sum(incl - excl), 550 FROM s GROUP BY order_id
)
INSERT INTO ledger_entries (transaction_id, position, account_id, amount, vat_rate)
SELECT t.id, row_number() OVER (PARTITION BY t.id ORDER BY e.rank, e.key) - 1, acc.id,
       e.amount, e.rate
FROM e JOIN ledger_transactions t ON t.order_id = e.order_id
JOIN ledger_accounts acc ON acc.key = e.key
WHERE e.amount <> 0
"""


def orders_in_database(products: int, lines_per_order: int) -> tuple[int, int]:
    """PostgreSQL: every week's orders, lines and postings in four statements; (orders,
    lines)."""
    from tests.ledger.conftest import triggers_set_aside

    parameters = {"skip": SKIP_EVERY, "points": POINTS, "products": products}
    orders = db.session.execute(text(ORDERS_SQL), parameters).rowcount
    lines = db.session.execute(text(LINES_SQL), {**parameters, "lines": lines_per_order}).rowcount
    with triggers_set_aside(db.session.connection()):
        db.session.execute(text(TRANSACTIONS_SQL))
        db.session.execute(text(ENTRIES_SQL))
    return orders, lines


def expected(households: int, weeks: int, lines_per_order: int) -> tuple[int, int, int]:
    """(cycles, orders, lines) that `build` inserts for these sizes."""
    orders = sum(1 for week in range(weeks) for n in range(households) if (n + week) % SKIP_EVERY)
    return weeks, orders, orders * lines_per_order


def already_built(url: str, households: int, weeks: int, lines_per_order: int) -> bool:
    """Whether the database holds what `build` would insert for these sizes."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM order_cycles),"
                    " (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines)"
                )
            ).one()
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    return tuple(found) == (households, *expected(households, weeks, lines_per_order))


def floor() -> float:
    """The simplest read of what the figures rest on: one sum over each table."""
    started = time.perf_counter()
    db.session.execute(text("SELECT count(*), sum(amount) FROM ledger_entries")).one()
    db.session.execute(
        text("SELECT count(*), sum(unit_price_cents * quantity) FROM order_lines")
    ).one()
    return time.perf_counter() - started


def settle() -> tuple[int, float]:
    """Every cycle settled but the last (still being paid out, so read live), and the
    summaries rebuilt as `flask --app market figures rebuild` does; (cycles, seconds)."""
    from market.figures import summaries

    db.session.execute(
        text(
            "UPDATE order_cycles SET settled_at = closes_at + interval '3 days'"
            " WHERE id <> (SELECT max(id) FROM order_cycles)"
            if db.engine.dialect.name == "postgresql"
            else "UPDATE order_cycles SET settled_at = datetime(closes_at, '+3 days')"
            " WHERE id <> (SELECT max(id) FROM order_cycles)"
        )
    )
    started = time.perf_counter()
    count = summaries.rebuild()
    db.session.commit()
    elapsed = time.perf_counter() - started
    analyse()
    return count, elapsed


def observatory_once(by: str, summaries: bool = True) -> tuple[float, int, int, list]:
    """(seconds, queries, figures, their rows) to build the observatory's page by month or
    season, from the summaries of settled cycles, or live from the orders and the ledger."""
    from market.figures import observatory

    started = time.perf_counter()
    with count_queries(db.engine) as statements:
        built = observatory.build(datetime.now(UTC), by, summaries=summaries)
    rows = [(figure.name, figure.rows) for figure in built.figures]
    return time.perf_counter() - started, len(statements), len(built.figures), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--lines", type=int, default=5, help="lines per order")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="PostgreSQL: keep a database already built with these sizes (built otherwise)",
    )
    arguments = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = bench_database_url(folder.name)
    if url is None:
        return 2
    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        sizes = (arguments.households, arguments.weeks, arguments.lines)
        if arguments.keep and url.startswith("postgresql") and already_built(url, *sizes):
            from flask_migrate import upgrade

            upgrade()
            _cycles, orders, lines = expected(*sizes)
            made = "kept from an earlier run"
        else:
            prepare(url)
            started = time.perf_counter()
            orders, lines = build(*sizes)
            made = f"built in {time.perf_counter() - started:.1f} s"
        print(
            f"data: {arguments.weeks} weekly cycles, {arguments.households} households, "
            f"{orders} orders, {lines} lines, {made} ({db.engine.dialect.name})"
        )
        settled, summarising = settle()
        print(f"summaries: {settled} settled cycles summarised in {summarising:.1f} s (rebuild)")
        floor()  # the first read warms the cache, for both
        floors = [floor() for _ in range(3)]
        pages, live, same = {}, {}, True
        for by in ("month", "season"):
            observatory_once(by)
            runs = [observatory_once(by) for _ in range(3)]
            tracemalloc.start()
            observatory_once(by)
            peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
            fastest = min(runs, key=lambda run: run[0])
            pages[by] = (*fastest[:3], peak)
            # Live once (it is the slow way): every cycle from the orders and the ledger.
            *measured, rows = observatory_once(by, summaries=False)
            live[by] = measured
            same &= rows == fastest[3]
        db.engine.dispose()
    target = TARGET_SECONDS if url.startswith("postgresql") else None
    print(f"{'measure':<52} {'time s':>7} {'target':>7} {'queries':>7} {'peak MB':>8}  result")
    print(
        f"{'floor: one sum over entries and over lines':<52} {min(floors):>7.3f} "
        f"{'-':>7} {2:>7} {'-':>8}"
    )
    slow = False
    for by, (elapsed, queries, figures, peak) in pages.items():
        live_elapsed, live_queries, _figures = live[by]
        print(
            f"{f'live: observatory by {by}, every cycle read':<52} {live_elapsed:>7.3f} "
            f"{'-':>7} {live_queries:>7} {'-':>8}"
        )
        result = "ok" if target is None or elapsed <= target else "SLOW"
        slow |= result != "ok"
        print(
            f"{f'observatory by {by} ({figures} figures, summaries)':<52} {elapsed:>7.3f} "
            f"{target or '-':>7} {queries:>7} {peak:>8.1f}  {result}"
        )
    print(f"same figures from the summaries as live: {'yes' if same else 'NO'}")
    return 1 if slow or not same else 0


if __name__ == "__main__":
    sys.exit(main())
