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

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def canonical_bytes(document) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def digest(document) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def sorted_entries(entries) -> list[dict]:
    """entries: (account key, amount, vat_rate) triples."""
    return [{"account": key, "amount": amount, "vat_rate": vat_rate}
            for key, amount, vat_rate in sorted(entries, key=lambda e: (e[0], e[1], e[2] or -1))]


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
