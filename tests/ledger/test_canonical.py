"""The canonical serialisation: the fast writer equals the documented JSON, byte for byte."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from market.ledger.canonical import (
    canonical_time,
    digest,
    entry_order,
    stored_time,
    transaction_document,
    transaction_hash,
)

TEXT = st.text(max_size=30)
NUMBER = st.none() | st.integers(1, 10**9)
IDENTITY = st.tuples(TEXT, TEXT, st.none() | TEXT, NUMBER, NUMBER)
ENTRY = st.tuples(
    TEXT, st.integers(-(10**12), 10**12), st.none() | st.integers(0, 10_000), IDENTITY
)
MOMENT = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2999, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(
    format_=st.sampled_from((1, 2)),
    seq=st.integers(1, 10**12),
    moment=MOMENT,
    kind=TEXT,
    key=TEXT,
    payload=TEXT,
    reference=TEXT,
    memo=TEXT,
    method=st.none() | TEXT,
    reverses=NUMBER,
    order_id=NUMBER,
    prev=TEXT,
    entries=st.lists(ENTRY, max_size=6),
)
def test_fast_hash_equals_the_documented_json(
    format_,
    seq,
    moment,
    kind,
    key,
    payload,
    reference,
    memo,
    method,
    reverses,
    order_id,
    prev,
    entries,
):
    entries = sorted(entries, key=entry_order)
    values = {
        "format": format_,
        "seq": seq,
        "kind": kind,
        "idempotency_key": key,
        "payload_hash": payload,
        "reference": reference,
        "memo": memo,
        "payment_method": method,
        "reverses": reverses,
        "order_id": order_id if format_ > 1 else None,
        "prev_hash": prev,
        "entries": entries,
    }
    assert transaction_hash(occurred_at=canonical_time(moment), **values) == digest(
        transaction_document(occurred_at=moment, **values)
    )


@given(MOMENT)
def test_stored_times_read_back_canonically(moment):
    naive_text = moment.replace(tzinfo=None).isoformat(sep=" ")
    assert stored_time(naive_text) == canonical_time(moment)
    assert stored_time(moment) == canonical_time(moment)
    assert canonical_time(moment).endswith("Z")
    assert len(canonical_time(moment)) == len("2026-11-27T14:03:05.123456Z")
