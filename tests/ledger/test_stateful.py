"""Random sequences of money events against a simple in-memory model of the balances.

After every step: each account's balance matches the model, the balances sum to zero, and
`verify` passes; replaying any earlier posting returns the same transaction and changes nothing.
"""

from collections import defaultdict

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from market.extensions import db as _db
from market.ledger import builders
from market.ledger.commission import split_line
from market.ledger.models import GENESIS_HASH, LedgerAccount, LedgerEntry, LedgerTransaction
from market.ledger.posting import reverse
from market.ledger.verify import verify
from tests import factories
from tests.ledger.conftest import LEDGER_TABLES, SEED_HEAD, triggers_set_aside

COMMISSION = 1000
VAT_RATES = st.sampled_from([550, 1000, 2000])
AMOUNTS = st.integers(min_value=1, max_value=50_000)


def wipe_ledger(db):
    """Start each example from an empty journal (behind the triggers' back)."""
    db.session.rollback()
    db.session.expunge_all()
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(LEDGER_TABLES)} RESTART IDENTITY"))
        else:
            with triggers_set_aside(connection):
                for table in LEDGER_TABLES:
                    connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - constants
        connection.execute(text(SEED_HEAD), {"genesis": GENESIS_HASH})


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, db, households, producers):
        super().__init__()
        wipe_ledger(db)
        self.db = db
        self.households = households
        self.producers = producers
        self.model: dict[str, int] = defaultdict(int)
        self.orders: dict[str, tuple[int, list]] = {}
        self.expected: dict[int, dict] = {}  # transaction id → its entries in the model
        self.calls: list = []
        self.counter = 0

    def key(self, prefix):
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def record(self, call, model_entries):
        transaction = call()
        self.db.session.commit()
        if transaction is None:
            return
        self.calls.append((call, transaction.id))
        self.expected[transaction.id] = model_entries
        for account, amount in model_entries.items():
            self.model[account] += amount

    def sale(self, household, lines, sign=1):
        entries = defaultdict(int)
        for producer, amount, _rate in lines:
            share, commission, vat = split_line(amount, COMMISSION)
            entries[f"household:{household}"] += sign * amount
            entries[f"producer:{producer}"] -= sign * share
            entries["hub:commission"] -= sign * commission
            entries["hub:vat"] -= sign * vat
        return entries

    def order_lines(self, data):
        return data.draw(
            st.lists(
                st.tuples(st.sampled_from(self.producers), AMOUNTS, VAT_RATES),
                min_size=1,
                max_size=3,
            )
        )

    @rule(data=st.data())
    def place_order(self, data):
        household = data.draw(st.sampled_from(self.households))
        lines = self.order_lines(data)
        ref = self.key("order")
        self.orders[ref] = (household, lines)
        self.record(
            lambda: builders.post_order_placed(household, ref, lines, COMMISSION, f"placed:{ref}"),
            self.sale(household, lines),
        )

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def change_order(self, data):
        ref = data.draw(st.sampled_from(sorted(self.orders)))
        household, old = self.orders[ref]
        new = self.order_lines(data)
        self.orders[ref] = (household, new)
        entries = self.sale(household, new)
        for account, amount in self.sale(household, old).items():
            entries[account] -= amount
        key = self.key("change")
        self.record(
            lambda: builders.post_order_changed(household, ref, old, new, COMMISSION, key), entries
        )

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def cancel_order(self, data):
        ref = data.draw(st.sampled_from(sorted(self.orders)))
        household, lines = self.orders.pop(ref)
        self.record(
            lambda: builders.post_order_cancelled(
                household, ref, lines, COMMISSION, f"cancel:{ref}"
            ),
            self.sale(household, lines, -1),
        )

    @rule(
        household=st.integers(0, 2),
        amount=AMOUNTS,
        method=st.sampled_from(["cash", "cheque", "transfer", "stripe"]),
        kind=st.sampled_from(["payment", "topup", "refund", "repayment"]),
    )
    def household_money(self, household, amount, method, kind):
        household = self.households[household]
        post = {
            "payment": builders.post_payment_received,
            "topup": builders.post_credit_topup,
            "refund": builders.post_refund,
            "repayment": builders.post_credit_repayment,
        }[kind]
        sign = -1 if kind in ("payment", "topup") else 1
        cash = {
            "cash": "cash:till",
            "cheque": "cash:cheque",
            "transfer": "cash:bank",
            "stripe": "cash:stripe",
        }[method]
        key = self.key(kind)
        self.record(
            lambda: post(household, amount, method, "ref", key),
            {f"household:{household}": sign * amount, cash: -sign * amount},
        )

    @rule(producer=st.integers(0, 1), amount=AMOUNTS)
    def payout(self, producer, amount):
        producer = self.producers[producer]
        key = self.key("payout")
        self.record(
            lambda: builders.post_payout(producer, amount, "VIR", key),
            {f"producer:{producer}": amount, "cash:bank": -amount},
        )

    @precondition(lambda self: self.expected)
    @rule(data=st.data())
    def reversal(self, data):
        reversible = [
            tid
            for tid in sorted(self.expected)
            if self.db.session.get(LedgerTransaction, tid).kind != "reversal"
            and not self.db.session.execute(
                select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == tid)
            ).first()
        ]
        if not reversible:
            return
        target = data.draw(st.sampled_from(reversible))
        original = self.db.session.get(LedgerTransaction, target)
        key = self.key("reversal")
        self.record(
            lambda: reverse(original, reason="test", idempotency_key=key),
            {account: -amount for account, amount in self.expected[target].items()},
        )

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def replay(self, data):
        call, transaction_id = data.draw(st.sampled_from(self.calls))
        count = self.db.session.execute(select(func.count(LedgerTransaction.id))).scalar()
        assert call().id == transaction_id
        self.db.session.commit()
        assert self.db.session.execute(select(func.count(LedgerTransaction.id))).scalar() == count

    @invariant()
    def books_match_the_model(self):
        stored = dict(
            self.db.session.execute(
                select(LedgerAccount.key, func.sum(LedgerEntry.amount))
                .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
                .group_by(LedgerAccount.key)
            ).all()
        )
        expected = {key: amount for key, amount in self.model.items() if amount}
        assert {key: int(amount) for key, amount in stored.items() if amount} == expected
        assert sum(stored.values() or [0]) == 0
        verdict = verify()
        assert verdict.ok, verdict.problem


def test_random_event_sequences_keep_the_books(db):
    households = [factories.HouseholdFactory().id for _ in range(3)]
    producers = [factories.ProducerFactory().id for _ in range(2)]
    _db.session.commit()
    run_state_machine_as_test(
        lambda: LedgerMachine(db, households, producers),
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
