"""Ledger benchmark: posting rate with 4 concurrent writers, verify rate over 100,000 transactions.

Runs on PostgreSQL. The database named by MARKET_BENCH_DATABASE_URL (default: the test database
of MARKET_TEST_DATABASE_URL) is emptied and rebuilt by the migrations; its name must contain
"bench" or "test", so that a real database is never wiped.

    MARKET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/market_test \\
        .venv/bin/python bench/ledger.py [--writers 4] [--postings 500] [--verify 100000]
"""

import argparse
import multiprocessing
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from config import database_url  # noqa: E402
from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402

POSTING_TARGET = 500  # transactions per second, 4 writers
VERIFY_TARGET = 50_000  # transactions per second


def reset(url: str) -> None:
    from flask_migrate import upgrade

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def owners(url: str, households: int, producers: int) -> tuple[list[int], list[int]]:
    from market.auth.models import Household
    from market.catalog.models import Producer

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        hs = [Household(name=f"Foyer {n}") for n in range(households)]
        ps = [Producer(name=f"Ferme {n}") for n in range(producers)]
        db.session.add_all(hs + ps)
        db.session.commit()
        ids = [h.id for h in hs], [p.id for p in ps]
        db.engine.dispose()
    return ids


def writer(
    url: str, worker: int, household_id: int, producer_id: int, count: int, start_at: float
) -> tuple[float, float]:
    """Post once the clock reaches start_at (all writers ready); return (start, end) times."""
    from tests.ledger.writers import write

    return write(url, worker, household_id, producer_id, count, start_at)


def bench_posting(url: str, writers: int, postings: int) -> float:
    households, producers = owners(url, writers, writers)
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 8  # time enough for every writer to import and connect
    with context.Pool(writers) as pool:
        spans = pool.starmap(
            writer,
            [(url, n, households[n], producers[n], postings, start_at) for n in range(writers)],
        )
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return writers * (postings + 2) / elapsed


def bulk_journal(url: str, count: int) -> None:
    """Write `count` valid chained transactions fast, triggers set aside while loading."""
    from market.ledger.accounts import account_ids, identity
    from market.ledger.builders import as_entries, sale_entries
    from market.ledger.canonical import canonical_time, digest, payload_document, transaction_hash
    from market.ledger.models import (
        CANONICAL_FORMAT,
        LedgerChainHead,
        LedgerEntry,
        LedgerTransaction,
    )
    from market.ledger.posting import normalise
    from market.timeutil import utcnow
    from tests.ledger.conftest import triggers_set_aside

    households, producers = owners(url, 200, 20)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        keys = [f"household:{h}" for h in households] + [f"producer:{p}" for p in producers]
        ids = account_ids([*keys, "hub:commission", "hub:vat"])
        db.session.commit()
        head = db.session.get(LedgerChainHead, 1)
        prev_hash, seq = head.hash, head.seq
        start = utcnow() - timedelta(days=1)
        transactions, entries = [], []
        for n in range(count):
            seq += 1
            household = households[n % len(households)]
            lines = [(producers[n % len(producers)], 500 + n % 5000, 550)]
            rows = normalise(as_entries(sale_entries(household, lines, 1000)))
            key = f"bulk-{seq}"
            payload = digest(payload_document("order.placed", rows, key, "", None, None))
            moment = start + timedelta(microseconds=500 * n)
            content = {
                "format": CANONICAL_FORMAT,
                "kind": "order.placed",
                "idempotency_key": key,
                "payload_hash": payload,
                "reference": key,
                "memo": "",
                "payment_method": None,
                "reverses": None,
                "order_id": None,
                "entries": [(*row, identity(row[0])) for row in rows],
            }
            hash_ = transaction_hash(
                **content, seq=seq, prev_hash=prev_hash, occurred_at=canonical_time(moment)
            )
            transactions.append(
                {
                    "id": seq,
                    "seq": seq,
                    "format": CANONICAL_FORMAT,
                    "occurred_at": moment,
                    "kind": "order.placed",
                    "idempotency_key": key,
                    "payload_hash": payload,
                    "reference": key,
                    "memo": "",
                    "payment_method": None,
                    "reverses_id": None,
                    "order_id": None,
                    "prev_hash": prev_hash,
                    "hash": hash_,
                }
            )
            entries += [
                {
                    "transaction_id": seq,
                    "position": position,
                    "account_id": ids[account],
                    "amount": amount,
                    "vat_rate": rate,
                }
                for position, (account, amount, rate) in enumerate(rows)
            ]
            prev_hash = hash_
        with triggers_set_aside(db.session.connection()):
            db.session.execute(insert(LedgerTransaction), transactions)
            db.session.execute(insert(LedgerEntry), entries)
            db.session.execute(
                text(
                    "UPDATE ledger_chain_head SET seq = :seq, hash = :hash, occurred_at = :moment"
                ),
                {"seq": seq, "hash": prev_hash, "moment": moment},
            )
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('ledger_transactions', 'id'), :seq)"),
            {"seq": seq},
        )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))  # planner statistics, as a live database has
        db.engine.dispose()


def bench_verify(url: str, count: int) -> tuple[float, int]:
    from market.ledger.verify import verify

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        started = time.perf_counter()
        verdict = verify()
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    if not verdict.ok:
        raise SystemExit(f"verify failed: {verdict.problem}")
    return verdict.count / elapsed, verdict.count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--postings", type=int, default=500, help="per writer")
    parser.add_argument("--verify", type=int, default=100_000, help="transactions to verify")
    arguments = parser.parse_args()
    raw = os.environ.get("MARKET_BENCH_DATABASE_URL") or os.environ.get("MARKET_TEST_DATABASE_URL")
    if not raw or not raw.startswith("postgres"):
        print("set MARKET_BENCH_DATABASE_URL to a PostgreSQL database to empty and use")
        return 2
    url = database_url(raw)
    if "bench" not in url.rsplit("/", 1)[-1] and "test" not in url.rsplit("/", 1)[-1]:
        print("refusing: the database name must contain 'bench' or 'test' (it is emptied)")
        return 2
    reset(url)
    posting_rate = bench_posting(url, arguments.writers, arguments.postings)
    reset(url)
    bulk_journal(url, arguments.verify)
    verify_rate, verified = bench_verify(url, arguments.verify)
    reset(url)
    posted = arguments.writers * (arguments.postings + 2)
    rows = [
        (f"posting, {arguments.writers} writers ({posted} tx)", posting_rate, POSTING_TARGET),
        (f"verify ({verified} tx)", verify_rate, VERIFY_TARGET),
    ]
    print(f"{'measure':<40} {'tx/s':>10} {'target':>10}  result")
    for name, rate, target in rows:
        print(f"{name:<40} {rate:>10,.0f} {target:>10,}  {'ok' if rate >= target else 'BELOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
