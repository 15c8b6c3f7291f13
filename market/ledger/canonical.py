"""The canonical serialisation that the hash chain is computed over.

A transaction is serialised as UTF-8 JSON with sorted keys, no spaces (separators "," and
":"), non-ASCII characters kept as they are:

    {"entries": [{"account": "household:42", "amount": 3000, "vat_rate": 550}, ...],
     "idempotency_key": "...", "kind": "order.placed", "memo": "", "occurred_at":
     "2026-11-27T14:03:05.123456Z", "payload_hash": "...", "payment_method": null,
     "prev_hash": "...", "reference": "...", "reverses": null, "seq": 1}

Amounts are integers (cents), VAT rates integers (basis points) or null, entries sorted by
(account, amount, vat_rate) so that storage order does not matter, times in UTC with
microseconds (both SQLite and PostgreSQL keep microseconds through UTCDateTime), `reverses`
the seq of the reversed transaction. hash = SHA-256 hex of these bytes; `prev_hash` of the
first transaction is 64 zeros.
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
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(
        sep="T", timespec="microseconds") + "Z"


def text_or_null(value) -> str:
    return "null" if value is None else encode_basestring(value)


def number_or_null(value) -> str:
    return "null" if value is None else str(int(value))


def entry_json(key, amount, vat_rate) -> str:
    # Numbers as they are, not through int(): SQLite keeps 1000.5 written into an integer
    # column, and int() would write it as the 1000 the hash was made from.
    return (f'{{"account":{encode_basestring(key)},"amount":{amount},'
            f'"vat_rate":{"null" if vat_rate is None else vat_rate}}}')


def transaction_hash(*, seq, occurred_at, prev_hash, **content) -> str:
    """SHA-256 of canonical_bytes(transaction_document(...)), written out directly.

    The same bytes as json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (a property test holds them equal), several times faster, which `verify` needs.
    `occurred_at` is the canonical time text.
    """
    return hash_around_chain(text_around_chain(**content), seq=seq, occurred_at=occurred_at,
                             prev_hash=prev_hash)


def hash_around_chain(pieces, *, seq, occurred_at, prev_hash) -> str:
    """transaction_hash() of the pieces text_around_chain() wrote."""
    before_time, before_prev_hash, before_seq = pieces
    text = (f"{before_time}{occurred_at}{before_prev_hash}{encode_basestring(prev_hash)}"
            f"{before_seq}{int(seq)}}}")
    return hashlib.sha256(text.encode()).hexdigest()


def text_around_chain(*, entries, **content) -> tuple[str, str, str]:
    """The canonical text of a transaction in three pieces, around the three values only
    known under the chain lock: its time, the previous hash and its seq (in key order, they
    come after the pieces). PostgreSQL postings join them in the database (migration 0010)."""
    return text_around_written_entries(
        written_entries=[entry_json(*entry) for entry in sorted(entries, key=entry_order)],
        **content)


def text_around_written_entries(*, kind, idempotency_key, payload_hash, reference, memo,
                                payment_method, reverses,
                                written_entries) -> tuple[str, str, str]:
    """text_around_chain() of entries already written by entry_json() in entry_order: `verify`
    has the database sort them."""
    before_time = (f'{{"entries":[{",".join(written_entries)}],'
                   f'"idempotency_key":{encode_basestring(idempotency_key)},'
                   f'"kind":{encode_basestring(kind)},"memo":{encode_basestring(memo)},'
                   f'"occurred_at":"')
    before_prev_hash = (f'","payload_hash":{encode_basestring(payload_hash)},'
                        f'"payment_method":{text_or_null(payment_method)},"prev_hash":')
    before_seq = (f',"reference":{encode_basestring(reference)},'
                  f'"reverses":{number_or_null(reverses)},"seq":')
    return before_time, before_prev_hash, before_seq


def entry_order(entry) -> tuple:
    key, amount, rate = entry
    return key, amount, -1 if rate is None else rate


def canonical_bytes(document) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def digest(document) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def sorted_entries(entries) -> list[dict]:
    """entries: (account key, amount, vat_rate) triples."""
    return [{"account": key, "amount": amount, "vat_rate": vat_rate}
            for key, amount, vat_rate in sorted(entries, key=entry_order)]


def payload_document(kind, entries, reference, memo, payment_method, reverses) -> dict:
    """What an idempotency key stands for: the business content, not the time or seq."""
    return {"kind": kind, "entries": sorted_entries(entries), "reference": reference,
            "memo": memo, "payment_method": payment_method, "reverses": reverses}


def transaction_document(*, seq, occurred_at, kind, idempotency_key, payload_hash, reference,
                         memo, payment_method, reverses, prev_hash, entries) -> dict:
    return {"seq": seq, "occurred_at": canonical_time(occurred_at), "kind": kind,
            "idempotency_key": idempotency_key, "payload_hash": payload_hash,
            "reference": reference, "memo": memo, "payment_method": payment_method,
            "reverses": reverses, "prev_hash": prev_hash, "entries": sorted_entries(entries)}
