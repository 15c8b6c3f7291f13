"""Recompute the whole chain and every balance; name the first record that does not match.

Works in batches with plain rows (no ORM objects) so that it keeps a steady pace on large
journals. Checks, in seq order: no seq is missing, each prev_hash is the previous hash, each
transaction's entries sum to zero over at least two accounts, each hash is the SHA-256 of the
canonical serialisation, a reversal names an earlier transaction; then that the chain head
row names the last transaction, that account balances sum to zero, and that every closure's
chain, hash and totals still match the journal.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from market.extensions import db
from market.ledger.canonical import TIME_FORMAT
from market.ledger.closures import closure_document, period_totals
from market.ledger.models import (
    GENESIS_HASH,
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
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


TX_COLUMNS = (LedgerTransaction.id, LedgerTransaction.seq, LedgerTransaction.occurred_at,
              LedgerTransaction.kind, LedgerTransaction.idempotency_key,
              LedgerTransaction.payload_hash, LedgerTransaction.reference,
              LedgerTransaction.memo, LedgerTransaction.payment_method,
              LedgerTransaction.reverses_id, LedgerTransaction.prev_hash,
              LedgerTransaction.hash)


def transaction_hash(row, reverses_seq, entries) -> str:
    """Same document as canonical.transaction_document, built inline for speed."""
    document = {
        "seq": row.seq, "occurred_at": row.occurred_at.strftime(TIME_FORMAT), "kind": row.kind,
        "idempotency_key": row.idempotency_key, "payload_hash": row.payload_hash,
        "reference": row.reference, "memo": row.memo, "payment_method": row.payment_method,
        "reverses": reverses_seq, "prev_hash": row.prev_hash,
        "entries": [{"account": key, "amount": amount, "vat_rate": rate}
                    for key, amount, rate in sorted(
                        entries, key=lambda e: (e[0], e[1], -1 if e[2] is None else e[2]))],
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def entries_by_transaction(low: int, high: int, account_keys: dict) -> dict:
    rows = db.session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.account_id, LedgerEntry.amount,
               LedgerEntry.vat_rate).join(LedgerTransaction)
        .where(LedgerTransaction.seq.between(low, high))).all()
    grouped = defaultdict(list)
    for transaction_id, account_id, amount, vat_rate in rows:
        grouped[transaction_id].append((account_keys.get(account_id, f"#{account_id}"),
                                        amount, vat_rate))
    return grouped


def check_transaction(row, expected_seq, prev_hash, entries, seq_of) -> str | None:
    if row.seq != expected_seq:
        return f"transaction seq {expected_seq} is missing (next found: seq {row.seq})"
    if row.prev_hash != prev_hash:
        return f"transaction seq {row.seq}: its previous hash does not match seq {row.seq - 1}"
    if len(entries) < 2 or sum(amount for _, amount, _ in entries) != 0:
        return f"transaction seq {row.seq}: its entries do not sum to zero"
    reverses_seq = None
    if row.reverses_id is not None:
        reverses_seq = seq_of.get(row.reverses_id)
        if reverses_seq is None:
            return f"transaction seq {row.seq}: it reverses no earlier transaction"
    if transaction_hash(row, reverses_seq, entries) != row.hash:
        return f"transaction seq {row.seq}: its hash does not match its content"
    return None


def verify_chain(verdict: Verdict) -> None:
    account_keys = dict(db.session.execute(select(LedgerAccount.id, LedgerAccount.key)).all())
    balances: dict = defaultdict(int)
    seq_of: dict[int, int] = {}
    low = 1
    while verdict.problem is None:
        rows = db.session.execute(select(*TX_COLUMNS).where(LedgerTransaction.seq >= low)
                                  .order_by(LedgerTransaction.seq).limit(BATCH)).all()
        if not rows:
            break
        grouped = entries_by_transaction(rows[0].seq, rows[-1].seq, account_keys)
        for row in rows:
            entries = grouped.get(row.id, [])
            problem = check_transaction(row, verdict.count + 1, verdict.head_hash, entries,
                                        seq_of)
            if problem:
                verdict.problem = problem
                return
            seq_of[row.id] = row.seq
            for key, amount, _ in entries:
                balances[key] += amount
            verdict.count += 1
            verdict.head_hash = row.hash
        low = rows[-1].seq + 1
    verdict.balances = dict(balances)


def verify_head(verdict: Verdict) -> None:
    head = db.session.execute(select(LedgerChainHead.seq, LedgerChainHead.hash)).one_or_none()
    seq, hash_ = head if head else (0, GENESIS_HASH)
    if (seq, hash_) != (verdict.count, verdict.head_hash):
        verdict.problem = (f"chain head: it names seq {seq} but the journal ends at seq "
                           f"{verdict.count}")
    elif sum(verdict.balances.values()) != 0:
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
        if closure.hash != hashlib.sha256(json.dumps(
                closure_document(closure), sort_keys=True, separators=(",", ":"),
                ensure_ascii=False).encode()).hexdigest():
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


def verify() -> Verdict:
    verdict = Verdict()
    for step in (verify_chain, verify_head, verify_closures):
        step(verdict)
        if not verdict.ok:
            break
    return verdict
