"""Recompute the whole ledger from its rows; name the first record that does not match.

Every stored fact of the books is checked, in this order:
1. accounts: each row's identity is the one its key gives (kind, number, auxiliary, owner);
2. the chain, in seq order: no seq is missing, each prev_hash is the previous hash, each
   transaction's entries are at positions 0, 1, 2… in canonical order, name known accounts
   and sum to zero over at least two, its hash is the SHA-256 of its canonical text (which
   holds its accounts' identity since format 2), a reversal names an earlier transaction;
3. nothing lies outside the chain: no entry of a missing or unchained transaction, no
   transaction left without its seq, no canonical text left waiting after its commit, no
   account without an entry (accounts are opened by their first posting); balances are the
   sums of the chained entries only;
4. the chain head names the last transaction, its time and the last closure;
5. closures: chained, their hash, their signature by one of the hub's keys (kept outside the
   database), their totals, and that the journal still reaches the transaction each sealed.

The chain is read in batches of plain rows (no ORM objects), a second thread checking each
batch while the next is read, so that it keeps a steady pace on large journals.
"""

import gc
import sys
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from market.auth.models import Household
from market.extensions import db
from market.ledger.accounts import IDENTITY, identity
from market.ledger.canonical import (
    digest,
    entry_pieces,
    entry_text,
    hash_around_chain,
    text_around_written_entries,
)
from market.ledger.closures import closure_document, ledger_hash_before, period_totals
from market.ledger.models import (
    GENESIS_HASH,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
    LedgerUnchained,
    LedgerVerification,
)
from market.ledger.signing import signature_valid, trusted_public_keys

BATCH = 5000


@dataclass
class Verdict:
    count: int = 0
    head_hash: str = GENESIS_HASH
    problem: str | None = None
    closures: int = 0
    balances: dict = field(default_factory=dict)
    entries: int = 0
    # Account id → its key; and by format, account id → what its entries are written from.
    accounts: dict = field(default_factory=dict)
    pieces: dict = field(default_factory=lambda: {1: {}, 2: {}})

    @property
    def ok(self) -> bool:
        return self.problem is None


# Plain SQL through the driver: no ORM objects, no per-value type conversion, the time
# already written in the canonical form.
DIALECT_TIME = {
    "postgresql": """to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    # SQLite keeps UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (always six digits, see UTCDateTime).
    "sqlite": "replace(t.occurred_at, ' ', 'T') || 'Z'",
}
TRANSACTIONS_SQL = (
    "SELECT t.id, t.seq, {time}, t.format, t.kind, t.idempotency_key, t.payload_hash,"
    " t.reference, t.memo, t.payment_method, t.reverses_id, t.order_id, t.prev_hash, t.hash,"
    " (SELECT r.seq FROM ledger_transactions r WHERE r.id = t.reverses_id)"
    " FROM ledger_transactions t WHERE t.seq >= {low} ORDER BY t.seq LIMIT {limit}"
)
# The entries of the transactions whose ids lie between low and high, by position.
ENTRIES_SQL = (
    "SELECT transaction_id, position, account_id, amount, vat_rate FROM ledger_entries"
    " WHERE transaction_id BETWEEN {low} AND {high} ORDER BY transaction_id, position"
)
ACCOUNTS_SQL = (
    "SELECT id, key, kind, number, auxiliary, household_id, producer_id"
    " FROM ledger_accounts ORDER BY id"
)
ACCOUNTS_OF_SQL = ACCOUNTS_SQL.replace(
    " ORDER BY",
    " WHERE id IN (SELECT account_id FROM ledger_entries WHERE transaction_id = {low}) ORDER BY",
)
HASH_COLUMN = 13


def driver_rows(sql: str, **bounds) -> Sequence[tuple]:
    """Run SQL whose only parameters are integers, formatted in (they cannot inject)."""
    connection = db.session.connection()
    statement = sql.format(
        time=DIALECT_TIME[connection.dialect.name],
        **{name: int(value) for name, value in bounds.items()},
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
        return cursor.fetchall()
    finally:
        cursor.close()


def verify_accounts(verdict: Verdict, sql: str = ACCOUNTS_SQL, **bounds) -> None:
    """Each account's row says what its key says; keep what its entries are written from."""
    for account_id, key, *stored in driver_rows(sql, **bounds):
        try:
            expected = identity(key)
        except ValueError:
            verdict.problem = f"account {key!r} (id {account_id}): no such account key"
            return
        for name, value, wanted in zip(IDENTITY, stored, expected, strict=True):
            if value != wanted:
                verdict.problem = (
                    f"account {key} (id {account_id}): its {name} is {value!r}, "
                    f"its key says {wanted!r}"
                )
                return
        verdict.accounts[account_id] = key
        verdict.pieces[1][account_id] = entry_pieces(key, None)
        verdict.pieces[2][account_id] = entry_pieces(key, tuple(stored))


def entry_rows(transactions) -> Sequence[tuple]:
    """The entries of these transactions (and maybe others), grouped by transaction.

    Read by a range of transaction ids, not by joining on seq: that join made the database
    scan every entry for each batch. Ids are drawn as postings are written, so they roughly
    follow seq and the range is tight; nothing enforces it, so the range only bounds the read
    and entries_by_transaction gives each entry to its transaction by id.
    """
    ids = [row[0] for row in transactions]
    return driver_rows(ENTRIES_SQL, low=min(ids), high=max(ids))


def entries_by_transaction(rows, formats: dict, pieces: dict) -> dict:
    """Transaction id → [sum of its entries, the entries as its canonical text writes them,
    what is wrong with them or None]. The rows come by transaction and position; each entry
    is written with its account's identity when its transaction's format holds it.

    The loop is the hot spot of a long journal: it assumes every entry names a known account
    and follows the one before, and only when one does not is the batch read again slowly to
    say what is wrong."""
    grouped: dict = {}
    current = None
    written: list[str] = []
    group: list = []
    written_by = pieces[2]
    expected = 0
    try:
        for transaction_id, position, account_id, amount, vat_rate in rows:
            if transaction_id != current:  # the first entry of the next transaction
                current, written, expected = transaction_id, [], 0
                group = grouped[transaction_id] = [0, written, None]
                written_by = pieces[1] if formats.get(transaction_id) == 1 else pieces[2]
            if position != expected:
                raise KeyError(position)
            before_amount, before_rate = written_by[account_id]
            written.append(
                f"{before_amount}{amount}{before_rate}{'null' if vat_rate is None else vat_rate}}}"
            )
            group[0] += amount
            expected += 1
    except KeyError:
        return entries_with_problems(rows, formats, pieces)
    return grouped


def entries_with_problems(rows, formats: dict, pieces: dict) -> dict:
    """entries_by_transaction(), saying for each transaction what is wrong with its entries."""
    grouped: dict = {}
    for transaction_id, position, account_id, amount, vat_rate in rows:
        group = grouped.setdefault(transaction_id, [0, [], None])
        account = pieces[1 if formats.get(transaction_id) == 1 else 2].get(account_id)
        expected = len(group[1])
        if group[2] is None and account is None:
            group[2] = f"its entry {position} names no account"
        elif group[2] is None and position != expected:
            group[2] = f"its entry at position {expected} is missing"
        elif group[2] is None:
            group[1].append(entry_text(account, amount, vat_rate))
            group[0] += amount
    return grouped


NO_ENTRIES = (0, (), None)


def check_transaction(row, expected_seq, prev_hash, entries) -> str | None:
    (
        _,
        seq,
        occurred_at,
        format_,
        kind,
        key,
        payload_hash,
        reference,
        memo,
        method,
        reverses_id,
        order_id,
        stored_prev,
        stored_hash,
        reverses_seq,
    ) = row
    if seq != expected_seq:
        return f"transaction seq {expected_seq} is missing (next found: seq {seq})"
    if stored_prev != prev_hash:
        return f"transaction seq {seq}: its previous hash does not match seq {seq - 1}"
    total, written, problem = entries
    if problem:
        return f"transaction seq {seq}: {problem}"
    if len(written) < 2 or total != 0:
        return f"transaction seq {seq}: its entries do not sum to zero"
    if reverses_id is not None and (reverses_seq is None or reverses_seq >= seq):
        return f"transaction seq {seq}: it reverses no earlier transaction"
    if format_ not in (1, 2):
        return f"transaction seq {seq}: its hash does not match its content"
    pieces = text_around_written_entries(
        format_, kind, key, payload_hash, reference, memo, method, reverses_seq, order_id, written
    )
    recomputed = hash_around_chain(pieces, seq, occurred_at, stored_prev)
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
    grouped = entries_by_transaction(entries, {row[0]: row[3] for row in rows}, verdict.pieces)
    expected, prev_hash = verdict.count + 1, verdict.head_hash
    for row in rows:
        own = grouped.get(row[0], NO_ENTRIES)
        problem = check_transaction(row, expected, prev_hash, own)
        if problem:
            verdict.problem = problem
            return False
        verdict.entries += len(own[1])
        expected, prev_hash = expected + 1, row[HASH_COLUMN]
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
    with collector_paused(), quick_thread_switches(), ThreadPoolExecutor(max_workers=1) as checker:
        checking = None
        for rows, entries in batches():
            if checking is not None and not checking.result():
                return
            checking = checker.submit(check_batch, verdict, rows, entries)
        if checking is not None:
            checking.result()


def verify_nothing_outside(verdict: Verdict) -> None:
    """Every row of the books is in the chain; the balances are the chain's."""
    by_account = {
        account_id: (int(total), count)
        for account_id, total, count in db.session.execute(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount), func.count()).group_by(
                LedgerEntry.account_id
            )
        )
    }
    if sum(count for _, count in by_account.values()) != verdict.entries:
        verdict.problem = stray_entry()
        return
    unchained = db.session.scalar(
        select(func.min(LedgerTransaction.id)).where(LedgerTransaction.seq.is_(None))
    )
    if unchained is not None:
        verdict.problem = f"transaction id {unchained}: it was never chained (it has no seq)"
        return
    waiting = db.session.scalar(select(func.min(LedgerUnchained.id)))
    if waiting is not None:
        verdict.problem = (
            f"transaction id {waiting}: its canonical text still waits to be "
            "chained after its commit"
        )
        return
    unused = sorted(
        set(verdict.accounts)
        - set(by_account)
        - opened_with_household(
            {
                account_id: verdict.accounts[account_id]
                for account_id in set(verdict.accounts) - set(by_account)
            }
        )
    )
    if unused:
        verdict.problem = (
            f"account {verdict.accounts[unused[0]]}: it has no entry (an "
            "account is opened by its first posting, a household's with the "
            "household)"
        )
        return
    # Every entry is the chain's: these are the chain's balances.
    verdict.balances = {
        verdict.accounts[account_id]: total for account_id, (total, _) in by_account.items()
    }
    if sum(verdict.balances.values()) != 0:
        verdict.problem = "balances: the accounts do not sum to zero"


def opened_with_household(accounts: dict[int, str]) -> set[int]:
    """Of these accounts without entries, those of households that exist: opened with their
    household, they wait for its first order (market/ledger/accounts.py)."""
    owners = {
        account_id: identity(key)[3]
        for account_id, key in accounts.items()
        if key.startswith("household:")
    }
    if not owners:
        return set()
    existing = set(
        db.session.scalars(select(Household.id).where(Household.id.in_(set(owners.values()))))
    )
    return {account_id for account_id, owner in owners.items() if owner in existing}


def stray_entry() -> str:
    stray = db.session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.position)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.seq.is_(None))
        .order_by(LedgerEntry.transaction_id, LedgerEntry.position)
        .limit(1)
    ).first()
    if stray is None:
        return "entries: some lie outside the chain"
    return (
        f"entry {stray.position} of transaction id {stray.transaction_id}: it belongs to "
        "no chained transaction"
    )


def verify_head(verdict: Verdict) -> None:
    head = db.session.get(LedgerChainHead, 1)
    if head is None:
        if verdict.count or verdict.closures:
            verdict.problem = "chain head: it is missing"
        return
    if (head.seq, head.hash) != (verdict.count, verdict.head_hash):
        verdict.problem = (
            f"chain head: it names seq {head.seq} but the journal ends at seq {verdict.count}"
        )
        return
    last_time = db.session.scalar(
        select(LedgerTransaction.occurred_at).where(LedgerTransaction.seq == head.seq)
    )
    if head.occurred_at != last_time:
        verdict.problem = f"chain head: its time is not the time of seq {head.seq}"
        return
    last = db.session.execute(
        select(LedgerClosure.seq, LedgerClosure.hash).order_by(LedgerClosure.seq.desc()).limit(1)
    ).first()
    if (head.closure_seq, head.closure_hash) != (tuple(last) if last else (0, GENESIS_HASH)):
        verdict.problem = (
            f"chain head: it names closure {head.closure_seq} but the last "
            f"closure is {last.seq if last else 0}"
        )


def verify_closures(verdict: Verdict) -> None:
    prev_hash = GENESIS_HASH
    grand_totals: dict = defaultdict(int)
    try:
        keys = trusted_public_keys()
    except ValueError as error:  # a key in the configuration that is not one
        verdict.problem = f"the hub's keys cannot be read from the configuration: {error}"
        return
    for closure in db.session.execute(select(LedgerClosure).order_by(LedgerClosure.seq)).scalars():
        if closure.seq != verdict.closures + 1:
            verdict.problem = f"closure {verdict.closures + 1} is missing"
            return
        problem = closure_problem(closure, prev_hash, keys, grand_totals)
        if problem:
            verdict.problem = f"closure {closure.seq} ({closure.period} {closure.label}): {problem}"
            return
        prev_hash = closure.hash
        verdict.closures += 1


def closure_problem(closure, prev_hash, keys, grand_totals) -> str | None:
    if closure.prev_hash != prev_hash:
        return "its previous hash does not match"
    try:
        document = closure_document(closure)
    except ValueError:  # its breakdown is no longer JSON
        return "its hash does not match its content"
    if closure.hash != digest(document):
        return "its hash does not match its content"
    if not closure.signature:
        return "it is not signed"
    if not keys:
        return "its signature cannot be checked: no public key of the hub is configured"
    if not any(signature_valid(key, closure.hash, closure.signature) for key in keys):
        return "its signature is not the hub's"
    totals = period_totals(closure.starts_at, closure.ends_at)
    grand_totals[closure.period] += totals["total"]
    if (
        totals["transaction_count"],
        totals["total"],
        totals["breakdown"],
        grand_totals[closure.period],
    ) != (closure.transaction_count, closure.total, document["breakdown"], closure.grand_total):
        return "its totals no longer match the journal"
    if ledger_hash_before(closure.ends_at) != closure.ledger_hash:
        return "the journal no longer reaches the transaction it sealed"
    return None


def one_snapshot() -> None:
    """On PostgreSQL, read everything as of one moment (REPEATABLE READ): a posting that
    commits while verify reads would otherwise look like a head ahead of its chain. Started
    with the transaction; a caller already in one (a test) keeps its own."""
    if not db.session().in_transaction() and db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify() -> Verdict:
    one_snapshot()
    verdict = Verdict()
    for step in (
        verify_accounts,
        verify_chain,
        verify_nothing_outside,
        verify_closures,
        verify_head,
    ):
        step(verdict)
        if not verdict.ok:
            break
    return verdict


def record(verdict: Verdict, checked_at: datetime) -> LedgerVerification:
    """Keep the outcome of a verify, for the coordinator's dashboard; the caller commits."""
    verification = LedgerVerification(
        checked_at=checked_at, ok=verdict.ok, head_seq=verdict.count, problem=verdict.problem
    )
    db.session.add(verification)
    db.session.flush()
    return verification


def last_verification() -> LedgerVerification | None:
    return db.session.scalars(
        select(LedgerVerification).order_by(LedgerVerification.id.desc()).limit(1)
    ).first()


RECEIPT_SQL = TRANSACTIONS_SQL.replace(
    "WHERE t.seq >= {low} ORDER BY t.seq LIMIT {limit}",
    "WHERE t.seq BETWEEN {low} AND {high} ORDER BY t.seq",
)


def receipt_state(seq: int, hash_prefix: str) -> str:
    """What the books say of a receipt (seq, and the hash or its first characters):
    "held" when the transaction is there with that hash, its content still hashes to it and
    its neighbours still link to it; "altered" when its hash is there but the rest is not
    so; "absent" otherwise. Reads three transactions, so anyone may ask."""
    rows = driver_rows(RECEIPT_SQL, low=max(seq - 1, 1), high=seq + 1)
    by_seq = {row[1]: row for row in rows}
    row = by_seq.get(seq)
    if row is None or not row[HASH_COLUMN].startswith(hash_prefix.lower()):
        return "absent"
    verdict = Verdict()
    verify_accounts(verdict, ACCOUNTS_OF_SQL, low=row[0])
    entries = entries_by_transaction(
        driver_rows(ENTRIES_SQL, low=row[0], high=row[0]), {row[0]: row[3]}, verdict.pieces
    )
    before, after = by_seq.get(seq - 1), by_seq.get(seq + 1)
    if seq > 1 and before is None:
        return "altered"
    prev_hash = before[HASH_COLUMN] if before else GENESIS_HASH
    if verdict.problem or check_transaction(row, seq, prev_hash, entries.get(row[0], NO_ENTRIES)):
        return "altered"
    if after is not None and after[HASH_COLUMN - 1] != row[HASH_COLUMN]:
        return "altered"
    return "held"
