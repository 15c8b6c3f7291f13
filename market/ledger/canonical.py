"""The canonical serialisation that the hash chain is computed over.

A transaction is serialised as UTF-8 JSON with sorted keys, no spaces (separators "," and
":"), non-ASCII characters kept as they are. Format 2 (every transaction since migration
0012):

    {"entries": [{"account": "household:42", "amount": 3000, "auxiliary": "H00042",
                  "household_id": 42, "kind": "household", "number": "411",
                  "producer_id": null, "vat_rate": null}, ...],
     "format": 2, "idempotency_key": "...", "kind": "order.placed", "memo": "",
     "occurred_at": "2026-11-27T14:03:05.123456Z", "order_id": 7, "payload_hash": "...",
     "payment_method": null, "prev_hash": "...", "reference": "...", "reverses": null,
     "seq": 1}

Format 1 (before): no "format" nor "order_id", and each entry only its account key, amount
and VAT rate. Amounts are integers (cents), VAT rates integers (basis points) or null,
entries sorted by (account, amount, vat_rate), which is also the order of their positions,
times in UTC with microseconds (both SQLite and PostgreSQL keep microseconds through
UTCDateTime), `reverses` the seq of the reversed transaction. hash = SHA-256 hex of these
bytes; `prev_hash` of the first transaction is 64 zeros.
"""

import hashlib
import json
from datetime import UTC, datetime
from json.encoder import encode_basestring

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def stored_time(value) -> str:
    """canonical_time() of a value as a driver returns it: an aware datetime (PostgreSQL) or
    the text SQLite keeps ("2026-11-27 14:03:05.123456", UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.isoformat(sep="T", timespec="microseconds") + "Z"
    return (
        value.astimezone(UTC).replace(tzinfo=None).isoformat(sep="T", timespec="microseconds") + "Z"
    )


def text_or_null(value) -> str:
    return "null" if value is None else encode_basestring(value)


def number_or_null(value) -> str:
    return "null" if value is None else str(int(value))


def entry_pieces(key: str, identity: tuple | None) -> tuple[str, str]:
    """An entry's text but for its amount and VAT rate: what comes before the amount, and
    between it and the rate. `identity` is the account's (kind, number, auxiliary,
    household_id, producer_id) in format 2, None in format 1."""
    before_amount = f'{{"account":{encode_basestring(key)},"amount":'
    if identity is None:
        return before_amount, ',"vat_rate":'
    kind, number, auxiliary, household_id, producer_id = identity
    return before_amount, (
        f',"auxiliary":{text_or_null(auxiliary)},'
        f'"household_id":{number_or_null(household_id)},'
        f'"kind":{encode_basestring(kind)},'
        f'"number":{encode_basestring(number)},'
        f'"producer_id":{number_or_null(producer_id)},"vat_rate":'
    )


def entry_text(pieces: tuple[str, str], amount, vat_rate) -> str:
    # Numbers as they are, not through int(): SQLite keeps 1000.5 written into an integer
    # column, and int() would write it as the 1000 the hash was made from.
    return f"{pieces[0]}{amount}{pieces[1]}{'null' if vat_rate is None else vat_rate}}}"


def transaction_hash(*, seq, occurred_at, prev_hash, **content) -> str:
    """SHA-256 of canonical_bytes(transaction_document(...)), written out directly.

    The same bytes as json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (a property test holds them equal), several times faster, which `verify` needs.
    `occurred_at` is the canonical time text.
    """
    return hash_around_chain(
        text_around_chain(**content), seq=seq, occurred_at=occurred_at, prev_hash=prev_hash
    )


def hash_around_chain(pieces, seq, occurred_at, prev_hash) -> str:
    """transaction_hash() of the pieces text_around_chain() wrote."""
    before_time, before_prev_hash, before_seq = pieces
    text = (
        f"{before_time}{occurred_at}{before_prev_hash}{encode_basestring(prev_hash)}"
        f"{before_seq}{int(seq)}}}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


def text_around_chain(*, entries, format, **content) -> tuple[str, str, str]:
    """The canonical text of a transaction in three pieces, around the three values only
    known under the chain lock: its time, the previous hash and its seq (in key order, they
    come after the pieces). PostgreSQL postings join them in the database (migration 0010).

    `entries` are (key, amount, vat_rate, identity) in entry_order; identity as entry_pieces
    takes it (None in format 1)."""
    written = [
        entry_text(entry_pieces(key, identity if format > 1 else None), amount, rate)
        for key, amount, rate, identity in entries
    ]
    return text_around_written_entries(format=format, written_entries=written, **content)


def text_around_written_entries(
    format,
    kind,
    idempotency_key,
    payload_hash,
    reference,
    memo,
    payment_method,
    reverses,
    order_id,
    written_entries,
) -> tuple[str, str, str]:
    """text_around_chain() of entries already written by entry_text() in entry_order:
    `verify` reads them in that order from their positions (and calls this with its
    arguments in order, which costs less on a journal of millions)."""
    version = f'"format":{int(format)},' if format > 1 else ""
    order = f'"order_id":{number_or_null(order_id)},' if format > 1 else ""
    before_time = (
        f'{{"entries":[{",".join(written_entries)}],{version}'
        f'"idempotency_key":{encode_basestring(idempotency_key)},'
        f'"kind":{encode_basestring(kind)},"memo":{encode_basestring(memo)},'
        f'"occurred_at":"'
    )
    before_prev_hash = (
        f'",{order}"payload_hash":{encode_basestring(payload_hash)},'
        f'"payment_method":{text_or_null(payment_method)},"prev_hash":'
    )
    before_seq = (
        f',"reference":{encode_basestring(reference)},"reverses":{number_or_null(reverses)},"seq":'
    )
    return before_time, before_prev_hash, before_seq


def entry_order(entry) -> tuple:
    key, amount, rate = entry[:3]
    return key, amount, -1 if rate is None else rate


def canonical_bytes(document) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(document) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def payload_document(
    kind, entries, reference, memo, payment_method, reverses, order_id=None
) -> dict:
    """What an idempotency key stands for: the business content, not the time or seq.
    `entries` are (key, amount, vat_rate) in entry_order."""
    document = {
        "kind": kind,
        "reference": reference,
        "memo": memo,
        "payment_method": payment_method,
        "reverses": reverses,
        "entries": [
            {"account": key, "amount": amount, "vat_rate": rate} for key, amount, rate in entries
        ],
    }
    if order_id is not None:
        document["order_id"] = order_id
    return document


IDENTITY_FIELDS = ("kind", "number", "auxiliary", "household_id", "producer_id")


def transaction_document(
    *,
    format,
    seq,
    occurred_at,
    kind,
    idempotency_key,
    payload_hash,
    reference,
    memo,
    payment_method,
    reverses,
    order_id,
    prev_hash,
    entries,
) -> dict:
    """The documented JSON of a transaction, written plainly (the property test's yardstick)."""
    document = {
        "seq": seq,
        "occurred_at": canonical_time(occurred_at),
        "kind": kind,
        "idempotency_key": idempotency_key,
        "payload_hash": payload_hash,
        "reference": reference,
        "memo": memo,
        "payment_method": payment_method,
        "reverses": reverses,
        "prev_hash": prev_hash,
        "entries": [],
    }
    for key, amount, vat_rate, identity in sorted(entries, key=entry_order):
        entry = {"account": key, "amount": amount, "vat_rate": vat_rate}
        if format > 1:
            entry.update(zip(IDENTITY_FIELDS, identity, strict=True))
        document["entries"].append(entry)
    if format > 1:
        document.update(format=format, order_id=order_id)
    return document
