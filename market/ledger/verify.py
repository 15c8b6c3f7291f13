"""Recompute the whole chain and every balance; name the first record that does not match.

Works in batches with plain rows (no ORM objects) so that it keeps a steady pace on large
journals, a second thread checking each batch while the next is read. Checks, in seq order:
no seq is missing, each prev_hash is the previous hash, each transaction's entries sum to zero
over at least two accounts, each hash is the SHA-256 of the canonical serialisation, a
reversal names an earlier transaction; then that the chain head row names the last
transaction, that account balances sum to zero, and that every closure's chain, hash and
totals still match the journal.
"""

import gc
import json
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, select

from market.extensions import db
from market.ledger.canonical import (
    digest,
    entry_json,
    hash_around_chain,
    text_around_written_entries,
)
from market.ledger.closures import closure_document, period_totals
from market.ledger.models import (
    GENESIS_HASH,
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
)

BATCH = 5000


@dataclass
class Verdict:
    count: int = 0
    head_hash: str = GENESIS_HASH
    problem: str | None = None
    closures: int = 0
    balances: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


# Plain SQL through the driver: no ORM objects, no per-value type conversion, the time
# already written in the canonical form and the entries already in entry_order.
DIALECT_SQL = {
    "postgresql": {
        "time": """to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
        # entry_order compares keys by code point, as the C collation does (UTF-8 bytes).
        "code_point_order": 'COLLATE "C"',
    },
    "sqlite": {
        # SQLite keeps UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (always six digits, see UTCDateTime).
        "time": "replace(t.occurred_at, ' ', 'T') || 'Z'",
        "code_point_order": "COLLATE BINARY",
    },
}
TRANSACTIONS_SQL = (
    "SELECT t.id, t.seq, {time}, t.kind, t.idempotency_key, t.payload_hash, t.reference,"
    " t.memo, t.payment_method, t.reverses_id, t.prev_hash, t.hash,"
    " (SELECT r.seq FROM ledger_transactions r WHERE r.id = t.reverses_id)"
    " FROM ledger_transactions t WHERE t.seq >= {low} ORDER BY t.seq LIMIT {limit}")
# The entries of the transactions whose ids lie between low and high, in entry_order; equal
# entries in the order they were written, which is the order posting sorted them from.
# An entry whose account row is gone keeps a placeholder key, so its hash cannot match.
ENTRIES_SQL = (
    "SELECT e.transaction_id, COALESCE(a.key, '#' || e.account_id), e.amount, e.vat_rate"
    " FROM ledger_entries e LEFT JOIN ledger_accounts a ON a.id = e.account_id"
    " WHERE e.transaction_id BETWEEN {low} AND {high}"
    " ORDER BY e.transaction_id, COALESCE(a.key, '#' || e.account_id) {code_point_order},"
    " e.amount, COALESCE(e.vat_rate, -1), e.id")


def driver_rows(sql: str, **bounds) -> list[tuple]:
    """Run SQL whose only parameters are integers, formatted in (they cannot inject)."""
    connection = db.session.connection()
    statement = sql.format(**DIALECT_SQL[connection.dialect.name],
                           **{name: int(value) for name, value in bounds.items()})
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
        return cursor.fetchall()
    finally:
        cursor.close()


def entry_rows(transactions) -> list[tuple]:
    """The entries of these transactions (and maybe others), grouped by transaction.

    Read by a range of transaction ids, not by joining on seq: that join made the database
    scan every entry for each batch. Ids are drawn under the chain lock, so they grow with seq
    and the range is tight; nothing enforces it, so the range only bounds the read and
    entries_by_transaction gives each entry to its transaction by id.
    """
    ids = [row[0] for row in transactions]
    return driver_rows(ENTRIES_SQL, low=min(ids), high=max(ids))


def entries_by_transaction(rows) -> dict:
    """Transaction id → [sum of its entries, the entries written by entry_json in order]."""
    grouped, current = {}, None
    for transaction_id, key, amount, vat_rate in rows:
        if transaction_id != current:  # the rows come grouped by transaction
            current, group = transaction_id, [0, []]
            grouped[transaction_id] = group
        group[0] += amount
        group[1].append(entry_json(key, amount, vat_rate))
    return grouped


NO_ENTRIES = (0, ())


def check_transaction(row, expected_seq, prev_hash, entries) -> str | None:
    (_, seq, occurred_at, kind, key, payload_hash, reference, memo, method, reverses_id,
     stored_prev, stored_hash, reverses_seq) = row
    total, written_entries = entries
    if seq != expected_seq:
        return f"transaction seq {expected_seq} is missing (next found: seq {seq})"
    if stored_prev != prev_hash:
        return f"transaction seq {seq}: its previous hash does not match seq {seq - 1}"
    if len(written_entries) < 2 or total != 0:
        return f"transaction seq {seq}: its entries do not sum to zero"
    if reverses_id is not None and (reverses_seq is None or reverses_seq >= seq):
        return f"transaction seq {seq}: it reverses no earlier transaction"
    pieces = text_around_written_entries(
        kind=kind, idempotency_key=key, payload_hash=payload_hash, reference=reference,
        memo=memo, payment_method=method, reverses=reverses_seq,
        written_entries=written_entries)
    recomputed = hash_around_chain(pieces, seq=seq, occurred_at=occurred_at,
                                   prev_hash=stored_prev)
    if recomputed != stored_hash:
        return f"transaction seq {seq}: its hash does not match its content"
    return None


def batches():
    """The transactions in seq order, BATCH at a time, each batch with its entries' rows."""
    low = 1
    while rows := driver_rows(TRANSACTIONS_SQL, low=low, limit=BATCH):
        yield rows, entry_rows(rows)
        low = rows[-1][1] + 1


def check_batch(verdict: Verdict, rows, entries) -> bool:
    """Check a batch following the chain in `verdict`; whether it holds."""
    grouped = entries_by_transaction(entries)
    expected, prev_hash = verdict.count + 1, verdict.head_hash
    for row in rows:
        problem = check_transaction(row, expected, prev_hash, grouped.get(row[0], NO_ENTRIES))
        if problem:
            verdict.problem = problem
            return False
        expected, prev_hash = expected + 1, row[11]
    verdict.count, verdict.head_hash = expected - 1, prev_hash
    return True


@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector. The rows read make no reference cycles, but their
    sheer number sets it off again and again, each time walking every object in the process:
    a fifth of the time of a long journal. Reference counting frees the rows all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def quick_thread_switches():
    """Have the checker thread offer the GIL every 0.1 ms rather than every 5 ms: the reading
    thread needs it for each piece of a result that arrives, and waited for it each time."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def verify_chain(verdict: Verdict) -> None:
    """Check each batch in a second thread while this one reads the next, so that the
    database and Python work at the same time (the drivers let go of the GIL while they
    wait). Only this thread uses the connection; one batch waits at most."""
    with (collector_paused(), quick_thread_switches(),
          ThreadPoolExecutor(max_workers=1) as checker):
        checking = None
        for rows, entries in batches():
            if checking is not None and not checking.result():
                return
            checking = checker.submit(check_batch, verdict, rows, entries)
        if checking is not None:
            checking.result()


def account_balances() -> dict[str, int]:
    """Every account's balance, summed again from the entries: by account id first, so that
    the database joins a few hundred totals to their keys rather than every entry."""
    totals = (select(LedgerEntry.account_id, func.sum(LedgerEntry.amount).label("total"))
              .group_by(LedgerEntry.account_id).subquery())
    return {key: int(total) for key, total in db.session.execute(
        select(LedgerAccount.key, totals.c.total)
        .join(totals, totals.c.account_id == LedgerAccount.id)).all()}


def verify_head(verdict: Verdict) -> None:
    head = db.session.execute(select(LedgerChainHead.seq, LedgerChainHead.hash)).one_or_none()
    seq, hash_ = head if head else (0, GENESIS_HASH)
    if (seq, hash_) != (verdict.count, verdict.head_hash):
        verdict.problem = (f"chain head: it names seq {seq} but the journal ends at seq "
                           f"{verdict.count}")
        return
    verdict.balances = account_balances()
    if sum(verdict.balances.values()) != 0:
        verdict.problem = "balances: the accounts do not sum to zero"


def verify_closures(verdict: Verdict) -> None:
    prev_hash = GENESIS_HASH
    grand_totals: dict = defaultdict(int)
    for closure in db.session.execute(select(LedgerClosure).order_by(LedgerClosure.seq)).scalars():
        name = f"closure {closure.seq} ({closure.period} {closure.label})"
        if closure.seq != verdict.closures + 1:
            verdict.problem = f"closure {verdict.closures + 1} is missing"
            return
        if closure.prev_hash != prev_hash:
            verdict.problem = f"{name}: its previous hash does not match"
            return
        if closure.hash != digest(closure_document(closure)):
            verdict.problem = f"{name}: its hash does not match its content"
            return
        totals = period_totals(closure.starts_at, closure.ends_at)
        grand_totals[closure.period] += totals["total"]
        if (totals["transaction_count"], totals["total"], totals["breakdown"],
                grand_totals[closure.period]) != (
                closure.transaction_count, closure.total, json.loads(closure.breakdown),
                closure.grand_total):
            verdict.problem = f"{name}: its totals no longer match the journal"
            return
        prev_hash = closure.hash
        verdict.closures += 1


def one_snapshot() -> None:
    """On PostgreSQL, read everything as of one moment (REPEATABLE READ): a posting that
    commits while verify reads would otherwise look like a head ahead of its chain. Started
    with the transaction; a caller already in one (a test) keeps its own."""
    if not db.session().in_transaction() and db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify() -> Verdict:
    one_snapshot()
    verdict = Verdict()
    for step in (verify_chain, verify_head, verify_closures):
        step(verdict)
        if not verdict.ok:
            break
    return verdict
