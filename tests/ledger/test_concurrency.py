"""Parallel writers on separate connections produce one gapless, valid chain (PostgreSQL)."""

import multiprocessing
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from market.ledger.models import LedgerChainHead, LedgerTransaction
from market.ledger.verify import verify
from tests import factories
from tests.ledger.writers import write

WORKERS = 4
EACH = 30


@pytest.mark.postgres_only
def test_parallel_writers_keep_a_gapless_valid_chain(db, database_url_for_test):
    household, producer = factories.HouseholdFactory(), factories.ProducerFactory()
    db.session.commit()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        pool.starmap(
            write,
            [
                (database_url_for_test, worker, household.id, producer.id, EACH)
                for worker in range(WORKERS)
            ],
        )
    db.session.expire_all()
    seqs = (
        db.session.execute(select(LedgerTransaction.seq).order_by(LedgerTransaction.seq))
        .scalars()
        .all()
    )
    assert seqs == list(range(1, WORKERS * EACH + 3))  # + the two shared keys, posted once
    for key in (f"first-{household.id}", f"shared-{household.id}"):
        assert (
            db.session.execute(
                select(func.count()).where(LedgerTransaction.idempotency_key == key)
            ).scalar()
            == 1
        )
    rows = db.session.execute(
        select(LedgerTransaction.prev_hash, LedgerTransaction.hash).order_by(LedgerTransaction.seq)
    ).all()
    assert all(after.prev_hash == before.hash for before, after in pairwise(rows))
    assert db.session.get(LedgerChainHead, 1).seq == WORKERS * EACH + 2
    verdict = verify()
    assert verdict.ok, verdict.problem
    assert verdict.count == WORKERS * EACH + 2
