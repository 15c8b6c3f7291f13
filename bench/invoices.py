"""Invoices at settlement: what issuing a cycle's invoices adds to settling it.

Settling a cycle issues its invoices in the same transaction (market/invoices/issuing.py,
`issue_at_settlement`): one PDF per order and producer, numbered, hashed and written. This
prints, for the demo's busiest closed cycle with every producer ready to be invoiced (a
checked tax profile and a mandate), the time to settle it alone (the floor: one UPDATE) and
to settle it with its invoices, side by side, each the best of three runs rolled back, with
the number of invoices and SQL queries.

    .venv/bin/python bench/invoices.py [--households N]

SQLite in a temporary file by default; MARKET_BENCH_DATABASE_URL=postgresql://…/market_bench
runs it on PostgreSQL (the database is emptied and rebuilt; its name must contain "bench" or
"test"). Target: a cycle's invoices within 10 s (the timer's run); at settlement, in the
coordinator's click, only up to INVOICES_AT_SETTLEMENT_MAX invoices are issued.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.exports import bench_app, bench_database_url, prepare  # noqa: E402
from market.extensions import db  # noqa: E402
from tests.helpers import count_queries  # noqa: E402

TARGET_SECONDS = 10.0


def ready_to_invoice() -> int:
    """Every approved producer with a checked profile and the mandate in force."""
    from market.catalog.models import Producer
    from market.invoices.services import (
        MANDATE_VERSION,
        accept_mandate,
        check_tax_profile,
        save_tax_profile,
    )
    from market.timeutil import utcnow

    producers = db.session.scalars(select(Producer).where(Producer.status == "approved")).all()
    for producer in producers:
        save_tax_profile(
            producer,
            legal_name=producer.name,
            address="12 chemin des Barthes",
            postcode="40440",
            town="Ondres",
            siret_text="73282932000074",
            vat_number="FR44732829320",
            vat_regime="normal",
            now=utcnow(),
        )
        check_tax_profile(producer.id, None, utcnow())
        accept_mandate(producer, None, MANDATE_VERSION, utcnow())
    db.session.commit()
    return len(producers)


def busiest_closed_cycle():
    from market.cycles.models import CycleState, OrderCycle
    from market.orders.models import Order
    from market.timeutil import utcnow

    now = utcnow()
    counts = dict(
        db.session.execute(
            select(Order.cycle_id, func.count(Order.id)).group_by(Order.cycle_id)
        ).all()
    )
    closed = [
        cycle
        for cycle in db.session.scalars(select(OrderCycle))
        if cycle.state(now) == CycleState.CLOSED
    ]
    cycle = max(closed, key=lambda cycle: counts.get(cycle.id, 0))
    return cycle, counts.get(cycle.id, 0)


def settle_once(cycle_id: int, with_invoices: bool) -> tuple[float, int, int, float, int]:
    """Settle (and roll back): seconds, queries, invoices issued; then the seconds and queries
    of issuing the cycle again (nothing new: what the timer does for a cycle invoiced)."""
    from market.cycles.models import OrderCycle
    from market.cycles.services import settle
    from market.cycles.signals import cycle_settled
    from market.invoices.issuing import issue_cycle
    from market.invoices.models import Invoice
    from market.timeutil import utcnow

    cycle = db.session.get(OrderCycle, cycle_id)
    with count_queries(db.engine) as queries:
        started = time.perf_counter()
        if with_invoices:
            settle(cycle, utcnow())
        else:
            with cycle_settled.muted():
                settle(cycle, utcnow())
        db.session.flush()
        elapsed = time.perf_counter() - started
    issued = db.session.scalar(select(func.count(Invoice.id)).where(Invoice.cycle_id == cycle_id))
    with count_queries(db.engine) as replay_queries:
        started = time.perf_counter()
        if with_invoices:
            assert issue_cycle(cycle_id, utcnow()).issued == []
        replay = time.perf_counter() - started
    db.session.rollback()
    return elapsed, len(queries), issued or 0, replay, len(replay_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=0, help="extra demo households")
    arguments = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = bench_database_url(folder.name)
    if url is None:
        return 2
    app = bench_app(url)
    app.config["INVOICES_AT_SETTLEMENT_MAX"] = 10**9  # measured whatever the cycle's size
    with app.app_context(), app.test_request_context():
        prepare(url)
        args = ["demo", "--households", str(arguments.households)]
        seeded = app.test_cli_runner().invoke(args=args)
        if seeded.exit_code != 0:
            print(seeded.output)
            return 1
        producers = ready_to_invoice()
        cycle, orders = busiest_closed_cycle()
        cycle_id, name = cycle.id, cycle.name
        print(
            f"data: the demo ({db.engine.dialect.name}), « {name} »: {orders} orders, "
            f"{producers} producers ready to be invoiced"
        )
        settle_once(cycle_id, True)  # warms the fonts and the caches
        floors = [settle_once(cycle_id, False) for _ in range(3)]
        runs = [settle_once(cycle_id, True) for _ in range(3)]
        db.engine.dispose()
    floor, best = min(floors), min(runs)
    result = "ok" if best[0] <= TARGET_SECONDS else "SLOW"
    print(f"{'measure':<40} {'time s':>7} {'target':>7} {'queries':>7} {'invoices':>8}  result")
    print(f"{'floor: settle alone':<40} {floor[0]:>7.3f} {'-':>7} {floor[1]:>7} {floor[2]:>8}")
    print(
        f"{'settle and issue its invoices':<40} {best[0]:>7.3f} {TARGET_SECONDS:>7} "
        f"{best[1]:>7} {best[2]:>8}  {result}"
    )
    print(f"{'issue it again: nothing new (the timer)':<40} {best[3]:>7.3f} {'-':>7} {best[4]:>7}")
    if best[2]:
        print(f"{'per invoice':<40} {best[0] / best[2]:>7.4f}")
    return 0 if result == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
