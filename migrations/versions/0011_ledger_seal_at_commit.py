"""ledger: PostgreSQL chains a posting when its database transaction commits

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 20:40:00

Until now a posting locked the chain head when it was made and held it until the caller
committed: through the rest of the caller's work, its round trips and its commit. Now
ledger_append writes the transaction and its entries unchained (seq, prev_hash and hash
empty) and keeps its canonical text in ledger_unchained for the commit; a deferred constraint
trigger takes the head at COMMIT, gives each such transaction its seq, time and hash, and
advances the head. The head is held for that server-side work and the flush only.

What is refused at posting time stays refused at posting time, read from what has been
committed: a key already recorded, a closed period, a date before the head, a second
reversal (the unique indexes on the key and on reverses_id make a concurrent writer wait for
the other to commit). Under the lock the seal dates a posting made "now" after the head and
after any period closed in between; a posting given its own date fails the commit if a
closure or a later posting came in between.

The journal stays append-only: the only change allowed to a transaction is its seal, which
fills seq, prev_hash and hash (and moves the time forward) on a row that has none, as the
successor of the head. SQLite has one writer at a time and chains postings as they are
written: there a trigger refuses a transaction written without its chain.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHAINED = ("seq", "prev_hash", "hash")

LEDGER_APPEND = """
CREATE FUNCTION ledger_append(
  p_keys text[], p_amounts bigint[], p_rates integer[], p_kind text, p_idempotency_key text,
  p_payload_hash text, p_reference text, p_memo text, p_payment_method text,
  p_reverses_id integer, p_requested timestamptz, p_now timestamptz,
  p_before_time text, p_before_prev_hash text, p_before_seq text,
  OUT outcome text, OUT new_id integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_account_ids integer[];
  v_head_time timestamptz;
  v_closed_until timestamptz;
  v_time timestamptz;
BEGIN
  SELECT array_agg((SELECT id FROM ledger_accounts WHERE key = k.key) ORDER BY k.n)
    INTO v_account_ids FROM unnest(p_keys) WITH ORDINALITY AS k(key, n);
  IF array_position(v_account_ids, NULL) IS NOT NULL THEN
    outcome := 'accounts missing';
    RETURN;
  END IF;

  -- The head as committed and as this transaction's unchained postings will move it on;
  -- ledger_seal checks the time again under the head lock.
  SELECT greatest((SELECT occurred_at FROM ledger_chain_head WHERE id = 1),
                  (SELECT max(occurred_at) FROM ledger_transactions WHERE seq IS NULL)),
         (SELECT max(ends_at) FROM ledger_closures)
    INTO v_head_time, v_closed_until;
  v_time := coalesce(p_requested, greatest(p_now, v_head_time));
  outcome := CASE
    WHEN EXISTS (SELECT 1 FROM ledger_transactions WHERE idempotency_key = p_idempotency_key)
      THEN 'replayed'
    WHEN v_time < v_closed_until THEN 'period closed'
    WHEN p_requested < v_head_time THEN 'before the head'
  END;
  IF outcome IS NOT NULL THEN
    RETURN;
  END IF;

  -- A writer of the same key or of the same reversal waits here for the other to commit.
  INSERT INTO ledger_transactions (occurred_at, kind, idempotency_key, payload_hash,
                                   reference, memo, payment_method, reverses_id)
    VALUES (v_time, p_kind, p_idempotency_key, p_payload_hash, p_reference, p_memo,
            p_payment_method, p_reverses_id)
    ON CONFLICT DO NOTHING
    RETURNING id INTO new_id;
  IF new_id IS NULL THEN
    outcome := CASE WHEN EXISTS (SELECT 1 FROM ledger_transactions
                                 WHERE idempotency_key = p_idempotency_key)
                    THEN 'replayed' ELSE 'already reversed' END;
    RETURN;
  END IF;
  INSERT INTO ledger_entries (transaction_id, account_id, amount, vat_rate)
    SELECT new_id, account_id, amount, vat_rate
      FROM unnest(v_account_ids, p_amounts, p_rates) AS e(account_id, amount, vat_rate);
  INSERT INTO ledger_unchained (id, before_time, before_prev_hash, before_seq, dated)
    VALUES (new_id, p_before_time, p_before_prev_hash, p_before_seq, p_requested IS NOT NULL);
  outcome := 'posted';
END $$
"""

LEDGER_SEAL = """
CREATE FUNCTION ledger_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_unchained ledger_unchained%ROWTYPE;
  v_head_seq bigint;
  v_head_hash text;
  v_head_time timestamptz;
  v_closed_until timestamptz;
  v_seq bigint;
  v_time timestamptz;
  v_hash text;
BEGIN
  IF NEW.seq IS NOT NULL THEN  -- written chained
    RETURN NULL;
  END IF;
  DELETE FROM ledger_unchained WHERE id = NEW.id RETURNING * INTO v_unchained;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger transaction % has no canonical text to be chained with', NEW.id;
  END IF;

  -- Held until this commit ends: this serialises the chain.
  SELECT seq, hash, occurred_at INTO v_head_seq, v_head_hash, v_head_time
    FROM ledger_chain_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN  -- an emptied database: the head starts again at the genesis
    INSERT INTO ledger_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))
      ON CONFLICT DO NOTHING;
    SELECT seq, hash, occurred_at INTO v_head_seq, v_head_hash, v_head_time
      FROM ledger_chain_head WHERE id = 1 FOR UPDATE;
  END IF;
  SELECT max(ends_at) INTO v_closed_until FROM ledger_closures;
  v_time := NEW.occurred_at;
  IF NOT v_unchained.dated THEN
    -- Dated "now": no earlier than the head, nor than a period closed since it was posted.
    v_time := greatest(v_time, v_head_time, v_closed_until);
  ELSIF v_time < v_head_time THEN
    RAISE EXCEPTION 'ledger transaction % is dated before the chain head', NEW.id;
  ELSIF v_time < v_closed_until THEN
    RAISE EXCEPTION 'ledger transaction % falls in a closed period', NEW.id;
  END IF;

  v_seq := v_head_seq + 1;
  v_hash := encode(sha256(convert_to(
    v_unchained.before_time
    || to_char(v_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    || v_unchained.before_prev_hash || to_json(v_head_hash)::text
    || v_unchained.before_seq || v_seq::text || '}', 'UTF8')), 'hex');
  UPDATE ledger_transactions
    SET seq = v_seq, prev_hash = v_head_hash, hash = v_hash, occurred_at = v_time
    WHERE id = NEW.id;
  UPDATE ledger_chain_head SET seq = v_seq, hash = v_hash, occurred_at = v_time WHERE id = 1;
  RETURN NULL;
END $$
"""

# A transaction may be written unchained; chained, it must follow the head.
CHECK_SUCCESSOR = """
CREATE OR REPLACE FUNCTION ledger_check_successor() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE head_seq bigint; head_hash text;
BEGIN
  IF NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT seq, hash INTO head_seq, head_hash FROM ledger_chain_head WHERE id = 1;
  IF NEW.seq <> COALESCE(head_seq, 0) + 1
     OR NEW.prev_hash <> COALESCE(head_hash, repeat('0', 64)) THEN
    RAISE EXCEPTION 'ledger transaction must follow the chain head';
  END IF;
  RETURN NEW;
END $$
"""

# The one change a transaction accepts: its seal, filling what it was written without.
REFUSE_ALL_BUT_SEAL = """
CREATE FUNCTION ledger_refuse_all_but_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND NEW.occurred_at >= OLD.occurred_at
     AND (NEW.id, NEW.kind, NEW.idempotency_key, NEW.payload_hash, NEW.reference, NEW.memo,
          NEW.payment_method, NEW.reverses_id)
         IS NOT DISTINCT FROM (OLD.id, OLD.kind, OLD.idempotency_key, OLD.payload_hash,
                               OLD.reference, OLD.memo, OLD.payment_method, OLD.reverses_id)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$
"""

TRIGGERS = [
    "DROP TRIGGER ledger_transactions_append_only ON ledger_transactions",
    """CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE
ON ledger_transactions FOR EACH ROW EXECUTE FUNCTION ledger_refuse_all_but_seal()""",
    "DROP TRIGGER ledger_transactions_successor ON ledger_transactions",
    """CREATE TRIGGER ledger_transactions_successor BEFORE INSERT OR UPDATE
ON ledger_transactions FOR EACH ROW EXECUTE FUNCTION ledger_check_successor()""",
    """CREATE CONSTRAINT TRIGGER ledger_transactions_chain AFTER INSERT ON ledger_transactions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_seal()""",
]


# SQLite chains every posting as it is written: there a transaction without its chain is refused.
SQLITE_CHAINED = """CREATE TRIGGER ledger_transactions_chained BEFORE INSERT ON ledger_transactions
WHEN NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.hash IS NULL
BEGIN SELECT RAISE(ABORT, 'ledger transaction must be chained as it is written'); END"""

UNDO_TRIGGERS = [
    "DROP TRIGGER ledger_transactions_chain ON ledger_transactions",
    "DROP TRIGGER ledger_transactions_append_only ON ledger_transactions",
    """CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE
ON ledger_transactions FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    "DROP TRIGGER ledger_transactions_successor ON ledger_transactions",
    """CREATE TRIGGER ledger_transactions_successor BEFORE INSERT
ON ledger_transactions FOR EACH ROW EXECUTE FUNCTION ledger_check_successor()""",
    "DROP FUNCTION ledger_refuse_all_but_seal()",
    "DROP FUNCTION ledger_seal()",
    "DROP FUNCTION ledger_append",
]


# As revision 0003 wrote them (written out here: a revision never imports another).
SQLITE_0003_TRIGGER_NAMES = [
    'ledger_transactions_no_update',
    'ledger_transactions_no_delete',
    'ledger_entries_no_update',
    'ledger_entries_no_delete',
    'ledger_closures_no_update',
    'ledger_closures_no_delete',
    'ledger_transactions_successor',
    'ledger_entries_unsealed',
    'ledger_chain_head_seal',
    'ledger_chain_head_no_delete',
]
SQLITE_0003_TRIGGERS = [
    """CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions
BEGIN SELECT RAISE(ABORT, 'ledger_transactions is append-only'); END""",
    """CREATE TRIGGER ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
BEGIN SELECT RAISE(ABORT, 'ledger_transactions is append-only'); END""",
    """CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END""",
    """CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END""",
    """CREATE TRIGGER ledger_closures_no_update BEFORE UPDATE ON ledger_closures
BEGIN SELECT RAISE(ABORT, 'ledger_closures is append-only'); END""",
    """CREATE TRIGGER ledger_closures_no_delete BEFORE DELETE ON ledger_closures
BEGIN SELECT RAISE(ABORT, 'ledger_closures is append-only'); END""",
    """CREATE TRIGGER ledger_transactions_successor BEFORE INSERT ON ledger_transactions
BEGIN
  SELECT RAISE(ABORT, 'ledger transaction must follow the chain head')
  WHERE NEW.seq <> COALESCE((SELECT seq FROM ledger_chain_head WHERE id = 1), 0) + 1
     OR NEW.prev_hash <> COALESCE((SELECT hash FROM ledger_chain_head WHERE id = 1), '0000000000000000000000000000000000000000000000000000000000000000');
END""",
    """CREATE TRIGGER ledger_entries_unsealed BEFORE INSERT ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger transaction is sealed')
  WHERE (SELECT seq FROM ledger_transactions WHERE id = NEW.transaction_id)
        <= COALESCE((SELECT seq FROM ledger_chain_head WHERE id = 1), 0);
END""",
    """CREATE TRIGGER ledger_chain_head_seal BEFORE UPDATE ON ledger_chain_head
WHEN NEW.seq <> OLD.seq OR NEW.hash <> OLD.hash
BEGIN
  SELECT RAISE(ABORT, 'ledger chain head must advance by one') WHERE NEW.seq <> OLD.seq + 1;
  SELECT RAISE(ABORT, 'ledger chain head names no transaction') WHERE NOT EXISTS (
    SELECT 1 FROM ledger_transactions
    WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash);
  SELECT RAISE(ABORT, 'ledger transaction entries do not sum to zero') WHERE (
    SELECT COALESCE(SUM(amount), 0) <> 0 OR COUNT(*) < 2 FROM ledger_entries
    WHERE transaction_id = (SELECT id FROM ledger_transactions WHERE seq = NEW.seq));
END""",
    """CREATE TRIGGER ledger_chain_head_no_delete BEFORE DELETE ON ledger_chain_head
BEGIN SELECT RAISE(ABORT, 'ledger_chain_head cannot be deleted'); END""",
]
CHECK_SUCCESSOR_0003 = """CREATE OR REPLACE FUNCTION ledger_check_successor() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE head_seq bigint; head_hash text;
BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM ledger_chain_head WHERE id = 1;
  IF NEW.seq <> COALESCE(head_seq, 0) + 1
     OR NEW.prev_hash <> COALESCE(head_hash, '0000000000000000000000000000000000000000000000000000000000000000') THEN
    RAISE EXCEPTION 'ledger transaction must follow the chain head';
  END IF;
  RETURN NEW;
END $$"""
# As revision 0010 wrote it, for the way down.
LEDGER_APPEND_0010 = """
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


def chained_columns_nullable(nullable: bool) -> None:
    """SQLite rebuilds the table to change a column, so its triggers are written again."""
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        for name in SQLITE_0003_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("ledger_transactions") as batch:
        for column in CHAINED:
            batch.alter_column(column, nullable=nullable)
    if sqlite:
        for statement in SQLITE_0003_TRIGGERS:
            op.execute(statement)


def upgrade():
    chained_columns_nullable(True)
    # Its rows live only inside the transaction that writes them: PostgreSQL need not log them.
    op.create_table(
        "ledger_unchained",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("before_time", sa.Text(), nullable=False),
        sa.Column("before_prev_hash", sa.Text(), nullable=False),
        sa.Column("before_seq", sa.Text(), nullable=False),
        sa.Column("dated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_unchained")),
        prefixes=["UNLOGGED"] if op.get_context().dialect.name == "postgresql" else [])
    if op.get_context().dialect.name == "postgresql":
        for statement in ("DROP FUNCTION ledger_append", LEDGER_APPEND, LEDGER_SEAL, CHECK_SUCCESSOR, REFUSE_ALL_BUT_SEAL,
                          *TRIGGERS):
            op.execute(statement)
    else:
        op.execute(SQLITE_CHAINED)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        for statement in UNDO_TRIGGERS:
            op.execute(statement)
        op.execute(CHECK_SUCCESSOR_0003)
        op.execute(LEDGER_APPEND_0010)
    else:
        op.execute("DROP TRIGGER ledger_transactions_chained")
    op.drop_table("ledger_unchained")
    chained_columns_nullable(False)
