"""Exports benchmark: a cycle of 2,000 households × 10 lines, 5 collection points, 20 producers.

Prints, per format, the time and peak Python memory (tracemalloc, a second run) to write every
list of the cycle in that format, each time loading the cycle's data once, and the number of
SQL queries that took. The data is bulk-inserted (no web, no services).

    .venv/bin/python bench/exports.py [--households 2000] [--lines 10]

SQLite in a temporary file by default; MARKET_BENCH_DATABASE_URL=postgresql://…/market_bench
runs it on PostgreSQL (the database is emptied and rebuilt; its name must contain "bench" or
"test"). Targets: all CSV ≤ 2 s, all XLSX ≤ 6 s, all PDF pickup lists ≤ 3 s, peak memory
≤ 300 MB.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from config import database_url  # noqa: E402
from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from tests.helpers import count_queries  # noqa: E402

TARGETS = {"csv": 2.0, "xlsx": 6.0, "pdf pickup lists": 3.0}
MEMORY_TARGET_MB = 300
POINTS, PRODUCERS, PRODUCTS_PER_PRODUCER = 5, 20, 10


def bench_database_url(folder: str) -> str | None:
    """MARKET_BENCH_DATABASE_URL, or a SQLite file in `folder`; None, once said why, for a
    PostgreSQL database whose name does not say it may be emptied."""
    raw = os.environ.get("MARKET_BENCH_DATABASE_URL")
    url = database_url(raw) if raw else f"sqlite:///{folder}/bench.db"
    if raw and not any(word in url.rsplit("/", 1)[-1] for word in ("bench", "test")):
        print("refusing: the database name must contain 'bench' or 'test' (it is emptied)")
        return None
    return url


def bench_app(url: str):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={})


def prepare(url: str) -> None:
    from flask_migrate import upgrade

    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade()


def ids(table) -> list[int]:
    return list(db.session.scalars(select(table.id).order_by(table.id)))


def build(households: int, lines_per_order: int) -> int:
    """Bulk-insert the cycle; its id."""
    from market.auth.models import Household, User
    from market.catalog.models import Producer, Product
    from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
    from market.orders.models import Order, OrderLine
    from market.timeutil import utcnow

    now = utcnow()
    db.session.execute(
        insert(Household),
        [
            {
                "name": f"Foyer {n:04d} Etcheverry",
                "second_collector": f"Second {n}" if n % 3 else None,
                "created_at": now,
            }
            for n in range(households)
        ],
    )
    household_ids = ids(Household)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"foyer{n}@example.org",
                "name": f"Foyer {n}",
                "phone": "06 12 34 56 78",
                "password_hash": "x",
                "role": "household",
                "household_id": h,
                "active": True,
                "created_at": now,
            }
            for n, h in enumerate(household_ids)
        ],
    )
    db.session.execute(
        insert(Producer),
        [
            {"name": f"Ferme {n:02d}", "status": "approved", "labels": [], "created_at": now}
            for n in range(PRODUCERS)
        ],
    )
    producer_ids = ids(Producer)
    db.session.execute(
        insert(Product),
        [
            {
                "producer_id": p,
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
                "active": True,
                "created_at": now,
            }
            for n in range(POINTS)
        ],
    )
    db.session.execute(
        insert(OrderCycle),
        [
            {
                "name": "Semaine 48",
                "opens_at": now - timedelta(days=5),
                "closes_at": now - timedelta(days=1),
                "published_at": now - timedelta(days=6),
                "orders_numbered": households,
                "created_at": now,
            }
        ],
    )
    cycle_id = ids(OrderCycle)[0]
    db.session.execute(
        insert(CyclePickup),
        [
            {
                "cycle_id": cycle_id,
                "collection_point_id": point,
                "starts_at": now,
                "ends_at": now + timedelta(hours=2),
                "orders_count": households // POINTS,
            }
            for point in ids(CollectionPoint)
        ],
    )
    pickup_ids = ids(CyclePickup)
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
    offer_ids = ids(Offer)
    db.session.execute(
        insert(Order),
        [
            {
                "cycle_id": cycle_id,
                "household_id": h,
                "pickup_id": pickup_ids[n % POINTS],
                "number": n + 1,
                "reference": f"S48-{n + 1:04d}",
                "status": "placed",
                "payment_choice": "pickup",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n, h in enumerate(household_ids)
        ],
    )
    rows = []
    for n, order_id in enumerate(ids(Order)):
        for k in range(lines_per_order):
            index = (n * 7 + k * 13) % len(products)
            product = products[index]
            rows.append(
                {
                    "order_id": order_id,
                    "offer_id": offer_ids[index],
                    "product_id": product.id,
                    "producer_id": product.producer_id,
                    "product_name": product.name,
                    "unit": product.unit,
                    "quantity": 1 + (n + k) % 3,
                    "unit_price_cents": product.price_cents,
                    "vat_basis_points": 550,
                    "sold_by_weight": product.sold_by_weight,
                    "estimated_weight_grams": product.estimated_weight_grams,
                    "missing_quantity": 0,
                }
            )
    db.session.execute(insert(OrderLine), rows)
    db.session.commit()
    return cycle_id


def stages():
    """(name, which documents of the bundle) for each measured format."""
    return [
        ("csv", lambda name: name.endswith(".csv")),
        ("xlsx", lambda name: name.endswith(".xlsx")),
        ("pdf pickup lists", lambda name: name.startswith("pickup-list") and name.endswith(".pdf")),
        (
            "pdf other lists",
            lambda name: name.endswith(".pdf") and not name.startswith("pickup-list"),
        ),
    ]


def run_stage(cycle_id: int, chosen, out: Path) -> tuple[int, int]:
    """Load the cycle once and write the chosen documents; (queries, files)."""
    from market.exports.bundle import documents
    from market.exports.data import cycle_data

    with count_queries(db.engine) as statements:
        data = cycle_data(cycle_id)
        files = 0
        for name, make in documents(data):
            if chosen(name):
                (out / name).write_bytes(make())
                files += 1
    return len(statements), files


def measure(cycle_id: int) -> list[tuple]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for name, chosen in stages():
            started = time.perf_counter()
            queries, files = run_stage(cycle_id, chosen, out)
            elapsed = time.perf_counter() - started
            db.session.expunge_all()
            tracemalloc.start()
            run_stage(cycle_id, chosen, out)
            peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
            results.append((name, files, elapsed, peak, queries))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=10)
    arguments = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = bench_database_url(folder.name)
    if url is None:
        return 2
    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        prepare(url)
        started = time.perf_counter()
        cycle_id = build(arguments.households, arguments.lines)
        print(
            f"data: {arguments.households} households × {arguments.lines} lines, "
            f"{POINTS} points, {PRODUCERS} producers, built in "
            f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
        results = measure(cycle_id)
        db.engine.dispose()
    print(
        f"{'format':<18} {'files':>5} {'time s':>7} {'target':>7} {'peak MB':>8} "
        f"{'queries':>7}  result"
    )
    failed = False
    for name, files, elapsed, peak, queries in results:
        target = TARGETS.get(name)
        ok = (target is None or elapsed <= target) and peak <= MEMORY_TARGET_MB
        failed |= not ok
        print(
            f"{name:<18} {files:>5} {elapsed:>7.2f} {target or '-':>7} {peak:>8.1f} "
            f"{queries:>7}  {'ok' if ok else 'MISSED'}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory (data building included): {rss:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
