"""ledger: a PostgreSQL function that appends a posting to the chain in one round trip

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 17:45:00

The chain head is locked from the moment a posting reads it until the caller commits, so the
time it is held bounds how many postings the hub can record per second. Done from Python, a
posting holds it for five round trips; this function does the same steps in one:
find the accounts, lock the head, look for the idempotency key and the closed periods, hash
the transaction, insert it with its entries and advance the head. The triggers of 0003 check
every insert as before. The canonical text is built in Python (market/ledger/canonical.py)
but for the three values only known under the lock: the time, the previous hash and the seq.
SQLite has no stored functions; there, postings run these steps from Python.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

LEDGER_APPEND = """
CREATE FUNCTION ledger_append(
  p_keys text[], p_amounts bigint[], p_rates integer[], p_kind text, p_idempotency_key text,
  p_payload_hash text, p_reference text, p_memo text, p_payment_method text,
  p_reverses_id integer, p_requested timestamptz, p_now timestamptz,
  p_before_time text, p_before_prev_hash text, p_before_seq text,
  OUT outcome text, OUT new_id integer, OUT new_seq bigint, OUT new_time timestamptz,
  OUT new_prev_hash text, OUT new_hash text)
LANGUAGE plpgsql AS $$
DECLARE
  v_account_ids integer[];
  v_head_seq bigint;
  v_head_hash text;
  v_head_time timestamptz;
  v_closed_until timestamptz;
  v_reversed boolean;
BEGIN
  SELECT array_agg((SELECT id FROM ledger_accounts WHERE key = k.key) ORDER BY k.n)
    INTO v_account_ids FROM unnest(p_keys) WITH ORDINALITY AS k(key, n);
  IF array_position(v_account_ids, NULL) IS NOT NULL THEN
    outcome := 'accounts missing';
    RETURN;
  END IF;

  -- Held until the caller's transaction ends: this serialises the chain.
  SELECT seq, hash, occurred_at INTO v_head_seq, v_head_hash, v_head_time
    FROM ledger_chain_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN  -- an emptied database: the head starts again at the genesis
    INSERT INTO ledger_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))
      ON CONFLICT DO NOTHING;
    SELECT seq, hash, occurred_at INTO v_head_seq, v_head_hash, v_head_time
      FROM ledger_chain_head WHERE id = 1 FOR UPDATE;
  END IF;

  -- A statement after the lock: it sees what the writers we waited for committed.
  SELECT (SELECT id FROM ledger_transactions WHERE idempotency_key = p_idempotency_key),
         (SELECT max(ends_at) FROM ledger_closures),
         EXISTS (SELECT 1 FROM ledger_transactions WHERE reverses_id = p_reverses_id)
    INTO new_id, v_closed_until, v_reversed;
  outcome := CASE
    WHEN new_id IS NOT NULL THEN 'replayed'
    WHEN coalesce(p_requested, p_now) < v_closed_until THEN 'period closed'
    WHEN p_requested < v_head_time THEN 'before the head'
    WHEN v_reversed THEN 'already reversed'
  END;
  IF outcome IS NOT NULL THEN
    RETURN;
  END IF;

  new_seq := v_head_seq + 1;
  new_time := coalesce(p_requested, greatest(p_now, v_head_time));
  new_prev_hash := v_head_hash;
  new_hash := encode(sha256(convert_to(
    p_before_time
    || to_char(new_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    || p_before_prev_hash || to_json(v_head_hash)::text
    || p_before_seq || new_seq::text || '}', 'UTF8')), 'hex');
  INSERT INTO ledger_transactions (seq, occurred_at, kind, idempotency_key, payload_hash,
                                   reference, memo, payment_method, reverses_id, prev_hash,
                                   hash)
    VALUES (new_seq, new_time, p_kind, p_idempotency_key, p_payload_hash, p_reference, p_memo,
            p_payment_method, p_reverses_id, v_head_hash, new_hash)
    RETURNING id INTO new_id;
  INSERT INTO ledger_entries (transaction_id, account_id, amount, vat_rate)
    SELECT new_id, account_id, amount, vat_rate
      FROM unnest(v_account_ids, p_amounts, p_rates) AS e(account_id, amount, vat_rate);
  UPDATE ledger_chain_head SET seq = new_seq, hash = new_hash, occurred_at = new_time
    WHERE id = 1;
  outcome := 'posted';
END $$
"""


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(LEDGER_APPEND)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_append")
