"""Observatory benchmark: three years of weekly cycles, 2,000 households, 20 producers.

Prints the time to build the whole public observatory (every figure, by month and by
season), the number of SQL queries and the peak Python memory it took, side by side with a
floor: the simplest way of reading what the figures rest on, one plain sum over the ledger's
entries and one over the order lines, which any way of computing them has to pay at least.
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
import os
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

from bench.exports import ids, prepare  # noqa: E402
from config import database_url  # noqa: E402
from market import create_app  # noqa: E402
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
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))  # planner statistics, as a live database has
    else:
        db.session.execute(text("ANALYZE"))
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


def observatory_once(by: str) -> tuple[float, int, int]:
    """(seconds, queries, figures) to build the observatory's page by month or season."""
    from market.figures import observatory

    started = time.perf_counter()
    with count_queries(db.engine) as statements:
        built = observatory.build(datetime.now(UTC), by)
    return time.perf_counter() - started, len(statements), len(built.figures)


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
    raw = os.environ.get("MARKET_BENCH_DATABASE_URL")
    folder = tempfile.TemporaryDirectory()
    url = database_url(raw) if raw else f"sqlite:///{folder.name}/bench.db"
    if raw and not any(word in url.rsplit("/", 1)[-1] for word in ("bench", "test")):
        print("refusing: the database name must contain 'bench' or 'test' (it is emptied)")
        return 2
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context(), app.test_request_context():
        sizes = (arguments.households, arguments.weeks, arguments.lines)
        if arguments.keep and raw and already_built(url, *sizes):
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
        floor()  # the first read warms the cache, for both
        floors = [floor() for _ in range(3)]
        pages = {}
        for by in ("month", "season"):
            observatory_once(by)
            runs = [observatory_once(by) for _ in range(3)]
            tracemalloc.start()
            observatory_once(by)
            peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
            pages[by] = (*min(runs), peak)
        db.engine.dispose()
    target = TARGET_SECONDS if url.startswith("postgresql") else None
    print(f"{'measure':<44} {'time s':>7} {'target':>7} {'queries':>7} {'peak MB':>8}  result")
    print(
        f"{'floor: one sum over entries and over lines':<44} {min(floors):>7.3f} "
        f"{'-':>7} {2:>7} {'-':>8}"
    )
    slow = False
    for by, (elapsed, queries, figures, peak) in pages.items():
        result = "ok" if target is None or elapsed <= target else "SLOW"
        slow |= result != "ok"
        print(
            f"{f'observatory by {by} ({figures} figures)':<44} {elapsed:>7.3f} "
            f"{target or '-':>7} {queries:>7} {peak:>8.1f}  {result}"
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
