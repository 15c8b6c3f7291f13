"""ledger: every stored fact is checked — account identity hashed and immutable, entries by
position, closures by seq and signed, the head names its time and the last closure

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:40:00

What `ledger verify` could not see until now, and how this revision closes it:
- an account row (kind, number, owner) could be changed: accounts keep only their identity,
  which never changes (triggers) and which every entry hashes from now on (canonical format
  2); the name people read comes from the household or producer (`label` and `created_at`
  go: the books carry no personal data);
- an entry's or a closure's surrogate id could be changed without anything noticing: an entry
  is now its transaction's n-th (`position`, the canonical order), a closure is known by its
  `seq`;
- transactions name the order whose money they move (`order_id`, hashed in format 2);
- closures carry an Ed25519 signature (`signature`) made with the hub's key, kept outside
  the database; the chain head names the last closure (`closure_seq`, `closure_hash`), and a
  closure may only be added as its successor, as a transaction follows the transaction head;
- the head's time may only move with the head, onto the time of the transaction it names;
- an entry must belong to a transaction, even with SQLite's foreign keys off.

Every trigger and function is written here in full, as this revision leaves it (SQLite
rebuilds a table to change it, which drops its triggers).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
APPEND_ONLY = ("ledger_accounts", "ledger_transactions", "ledger_entries", "ledger_closures")

# --- SQLite: every ledger trigger, before and after this revision -------------------------

SQLITE_BEFORE = [
    *(f"{table}_no_{action}" for table in APPEND_ONLY[1:] for action in ("update", "delete")),
    "ledger_transactions_successor", "ledger_transactions_chained", "ledger_entries_unsealed",
    "ledger_chain_head_seal", "ledger_chain_head_no_delete",
]

SQLITE_SUCCESSOR = f"""CREATE TRIGGER ledger_transactions_successor BEFORE INSERT ON ledger_transactions
BEGIN
  SELECT RAISE(ABORT, 'ledger transaction must follow the chain head')
  WHERE NEW.seq <> COALESCE((SELECT seq FROM ledger_chain_head WHERE id = 1), 0) + 1
     OR NEW.prev_hash <> COALESCE((SELECT hash FROM ledger_chain_head WHERE id = 1), '{GENESIS}');
END"""
SQLITE_CHAINED = """CREATE TRIGGER ledger_transactions_chained BEFORE INSERT ON ledger_transactions
WHEN NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.hash IS NULL
BEGIN SELECT RAISE(ABORT, 'ledger transaction must be chained as it is written'); END"""
SQLITE_NO_DELETE_HEAD = """CREATE TRIGGER ledger_chain_head_no_delete BEFORE DELETE ON ledger_chain_head
BEGIN SELECT RAISE(ABORT, 'ledger_chain_head cannot be deleted'); END"""


def sqlite_append_only(tables) -> list[str]:
    return [f"""CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""" for table in tables
            for action in ("update", "delete")]


SQLITE_AFTER = [
    *sqlite_append_only(APPEND_ONLY),
    SQLITE_SUCCESSOR,
    SQLITE_CHAINED,
    """CREATE TRIGGER ledger_entries_unsealed BEFORE INSERT ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger entry belongs to no transaction')
  WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE id = NEW.transaction_id);
  SELECT RAISE(ABORT, 'ledger transaction is sealed')
  WHERE (SELECT seq FROM ledger_transactions WHERE id = NEW.transaction_id)
        <= COALESCE((SELECT seq FROM ledger_chain_head WHERE id = 1), 0);
END""",
    """CREATE TRIGGER ledger_chain_head_seal BEFORE UPDATE ON ledger_chain_head
WHEN NEW.seq <> OLD.seq OR NEW.hash <> OLD.hash OR NEW.occurred_at IS NOT OLD.occurred_at
BEGIN
  SELECT RAISE(ABORT, 'ledger chain head must advance by one') WHERE NEW.seq <> OLD.seq + 1;
  SELECT RAISE(ABORT, 'ledger chain head names no transaction') WHERE NOT EXISTS (
    SELECT 1 FROM ledger_transactions
    WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash
      AND occurred_at = NEW.occurred_at);
  SELECT RAISE(ABORT, 'ledger transaction entries do not sum to zero') WHERE (
    SELECT COALESCE(SUM(amount), 0) <> 0 OR COUNT(*) < 2 FROM ledger_entries
    WHERE transaction_id = (SELECT id FROM ledger_transactions WHERE seq = NEW.seq));
END""",
    """CREATE TRIGGER ledger_chain_head_closure BEFORE UPDATE ON ledger_chain_head
WHEN NEW.closure_seq <> OLD.closure_seq OR NEW.closure_hash <> OLD.closure_hash
BEGIN
  SELECT RAISE(ABORT, 'ledger closure head must advance by one')
  WHERE NEW.closure_seq <> OLD.closure_seq + 1;
  SELECT RAISE(ABORT, 'ledger closure head names no closure') WHERE NOT EXISTS (
    SELECT 1 FROM ledger_closures
    WHERE seq = NEW.closure_seq AND hash = NEW.closure_hash AND prev_hash = OLD.closure_hash);
END""",
    f"""CREATE TRIGGER ledger_closures_successor BEFORE INSERT ON ledger_closures
BEGIN
  SELECT RAISE(ABORT, 'ledger closure must follow the last closure')
  WHERE NEW.seq <> COALESCE((SELECT closure_seq FROM ledger_chain_head WHERE id = 1), 0) + 1
     OR NEW.prev_hash <> COALESCE((SELECT closure_hash FROM ledger_chain_head WHERE id = 1),
                                  '{GENESIS}');
END""",
    SQLITE_NO_DELETE_HEAD,
]
SQLITE_AFTER_NAMES = [
    *(f"{table}_no_{action}" for table in APPEND_ONLY for action in ("update", "delete")),
    "ledger_transactions_successor", "ledger_transactions_chained", "ledger_entries_unsealed",
    "ledger_chain_head_seal", "ledger_chain_head_closure", "ledger_closures_successor",
    "ledger_chain_head_no_delete",
]

# The triggers as revision 0011 left them, for the way down.
SQLITE_0011 = [
    *sqlite_append_only(APPEND_ONLY[1:]),
    SQLITE_SUCCESSOR,
    SQLITE_CHAINED,
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
    SQLITE_NO_DELETE_HEAD,
]

# --- PostgreSQL: the functions this revision writes, and the ones it puts back -------------

PG_APPEND = """
CREATE FUNCTION ledger_append(
  p_keys text[], p_amounts bigint[], p_rates integer[], p_format smallint, p_kind text,
  p_idempotency_key text, p_payload_hash text, p_reference text, p_memo text,
  p_payment_method text, p_reverses_id integer, p_order_id integer, p_requested timestamptz,
  p_now timestamptz, p_before_time text, p_before_prev_hash text, p_before_seq text,
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
  INSERT INTO ledger_transactions (format, occurred_at, kind, idempotency_key, payload_hash,
                                   reference, memo, payment_method, reverses_id, order_id)
    VALUES (p_format, v_time, p_kind, p_idempotency_key, p_payload_hash, p_reference, p_memo,
            p_payment_method, p_reverses_id, p_order_id)
    ON CONFLICT DO NOTHING
    RETURNING id INTO new_id;
  IF new_id IS NULL THEN
    outcome := CASE WHEN EXISTS (SELECT 1 FROM ledger_transactions
                                 WHERE idempotency_key = p_idempotency_key)
                    THEN 'replayed' ELSE 'already reversed' END;
    RETURN;
  END IF;
  -- The entries come in their canonical order: their positions follow it.
  INSERT INTO ledger_entries (transaction_id, position, account_id, amount, vat_rate)
    SELECT new_id, e.n - 1, e.account_id, e.amount, e.vat_rate
      FROM unnest(v_account_ids, p_amounts, p_rates) WITH ORDINALITY
        AS e(account_id, amount, vat_rate, n);
  INSERT INTO ledger_unchained (id, before_time, before_prev_hash, before_seq, dated)
    VALUES (new_id, p_before_time, p_before_prev_hash, p_before_seq, p_requested IS NOT NULL);
  outcome := 'posted';
END $$
"""

PG_APPEND_0011 = """
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


def pg_refuse_all_but_seal(columns: str) -> str:
    """The one change a transaction accepts: its seal, filling what it was written without."""
    return f"""
CREATE OR REPLACE FUNCTION ledger_refuse_all_but_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND NEW.occurred_at >= OLD.occurred_at
     AND ({", ".join(f"NEW.{name}" for name in columns.split())})
         IS NOT DISTINCT FROM ({", ".join(f"OLD.{name}" for name in columns.split())})
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$
"""


SEAL_KEEPS = "id format kind idempotency_key payload_hash reference memo payment_method " \
             "reverses_id order_id"
SEAL_KEEPS_0011 = "id kind idempotency_key payload_hash reference memo payment_method reverses_id"

PG_CHECK_UNSEALED = """
CREATE OR REPLACE FUNCTION ledger_check_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_seq bigint;
BEGIN
  SELECT seq INTO v_seq FROM ledger_transactions WHERE id = NEW.transaction_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger entry belongs to no transaction';
  END IF;
  IF v_seq <= COALESCE((SELECT seq FROM ledger_chain_head WHERE id = 1), 0) THEN
    RAISE EXCEPTION 'ledger transaction is sealed';
  END IF;
  RETURN NEW;
END $$
"""
PG_CHECK_UNSEALED_0003 = """
CREATE OR REPLACE FUNCTION ledger_check_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT seq FROM ledger_transactions WHERE id = NEW.transaction_id)
     <= COALESCE((SELECT seq FROM ledger_chain_head WHERE id = 1), 0) THEN
    RAISE EXCEPTION 'ledger transaction is sealed';
  END IF;
  RETURN NEW;
END $$
"""

PG_CHECK_SEAL = """
CREATE OR REPLACE FUNCTION ledger_check_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE sealed integer; total bigint; lines integer;
BEGIN
  IF NEW.closure_seq <> OLD.closure_seq OR NEW.closure_hash <> OLD.closure_hash THEN
    IF NEW.closure_seq <> OLD.closure_seq + 1 THEN
      RAISE EXCEPTION 'ledger closure head must advance by one';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledger_closures WHERE seq = NEW.closure_seq
                   AND hash = NEW.closure_hash AND prev_hash = OLD.closure_hash) THEN
      RAISE EXCEPTION 'ledger closure head names no closure';
    END IF;
  END IF;
  IF NEW.seq = OLD.seq AND NEW.hash = OLD.hash
     AND NEW.occurred_at IS NOT DISTINCT FROM OLD.occurred_at THEN
    RETURN NEW;
  END IF;
  IF NEW.seq <> OLD.seq + 1 THEN
    RAISE EXCEPTION 'ledger chain head must advance by one';
  END IF;
  SELECT id INTO sealed FROM ledger_transactions
    WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash
      AND occurred_at = NEW.occurred_at;
  IF sealed IS NULL THEN
    RAISE EXCEPTION 'ledger chain head names no transaction';
  END IF;
  SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, lines
    FROM ledger_entries WHERE transaction_id = sealed;
  IF total <> 0 OR lines < 2 THEN
    RAISE EXCEPTION 'ledger transaction entries do not sum to zero';
  END IF;
  RETURN NEW;
END $$
"""
PG_CHECK_SEAL_0003 = """
CREATE OR REPLACE FUNCTION ledger_check_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE sealed integer; total bigint; lines integer;
BEGIN
  IF NEW.seq = OLD.seq AND NEW.hash = OLD.hash THEN
    RETURN NEW;
  END IF;
  IF NEW.seq <> OLD.seq + 1 THEN
    RAISE EXCEPTION 'ledger chain head must advance by one';
  END IF;
  SELECT id INTO sealed FROM ledger_transactions
    WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash;
  IF sealed IS NULL THEN
    RAISE EXCEPTION 'ledger chain head names no transaction';
  END IF;
  SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, lines
    FROM ledger_entries WHERE transaction_id = sealed;
  IF total <> 0 OR lines < 2 THEN
    RAISE EXCEPTION 'ledger transaction entries do not sum to zero';
  END IF;
  RETURN NEW;
END $$
"""

PG_CLOSURE_SUCCESSOR = f"""
CREATE FUNCTION ledger_check_closure_successor() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE head_seq integer; head_hash text;
BEGIN
  SELECT closure_seq, closure_hash INTO head_seq, head_hash FROM ledger_chain_head WHERE id = 1;
  IF NEW.seq <> COALESCE(head_seq, 0) + 1
     OR NEW.prev_hash <> COALESCE(head_hash, '{GENESIS}') THEN
    RAISE EXCEPTION 'ledger closure must follow the last closure';
  END IF;
  RETURN NEW;
END $$
"""

PG_UP = [
    "DROP FUNCTION ledger_append",
    PG_APPEND,
    pg_refuse_all_but_seal(SEAL_KEEPS),
    PG_CHECK_UNSEALED,
    PG_CHECK_SEAL,
    PG_CLOSURE_SUCCESSOR,
    """CREATE TRIGGER ledger_accounts_append_only BEFORE UPDATE OR DELETE ON ledger_accounts
FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER ledger_closures_successor BEFORE INSERT ON ledger_closures
FOR EACH ROW EXECUTE FUNCTION ledger_check_closure_successor()""",
]
PG_DOWN = [
    "DROP TRIGGER ledger_closures_successor ON ledger_closures",
    "DROP TRIGGER ledger_accounts_append_only ON ledger_accounts",
    "DROP FUNCTION ledger_check_closure_successor()",
    PG_CHECK_SEAL_0003,
    PG_CHECK_UNSEALED_0003,
    pg_refuse_all_but_seal(SEAL_KEEPS_0011),
    "DROP FUNCTION ledger_append",
    PG_APPEND_0011,
]

# Entries take the place their canonical order gives them (code point order of the keys).
FILL_POSITIONS = """
UPDATE ledger_entries SET position = ranked.n FROM (
  SELECT e.id, row_number() OVER (
    PARTITION BY e.transaction_id
    ORDER BY a.key {collation}, e.amount, COALESCE(e.vat_rate, -1), e.id) - 1 AS n
  FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id) AS ranked
WHERE ranked.id = ledger_entries.id
"""
FILL_CLOSURE_HEAD = """
UPDATE ledger_chain_head SET
  closure_seq = COALESCE((SELECT max(seq) FROM ledger_closures), 0),
  closure_hash = COALESCE((SELECT hash FROM ledger_closures
                           WHERE seq = (SELECT max(seq) FROM ledger_closures)), '{genesis}')
WHERE id = 1
"""


def dialect() -> str:
    return op.get_context().dialect.name


def set_triggers_aside(tables) -> None:
    """PostgreSQL: the append-only triggers off while this revision rewrites rows."""
    if dialect() == "postgresql":
        for table in tables:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def put_triggers_back(tables) -> None:
    if dialect() == "postgresql":
        for table in tables:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def surrogate_ids_back(table: str, order: str) -> None:
    """The way down: an `id` primary key again, numbered in the rows' order."""
    if dialect() == "postgresql":
        op.execute(f"ALTER TABLE {table} ADD COLUMN id SERIAL")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('id', sa.Integer(), nullable=True))
    op.execute(f"UPDATE {table} SET id = (SELECT count(*) FROM {table} other "
               f"WHERE ({', '.join('other.' + c.strip() for c in order.split(','))}) <= "
               f"({', '.join(table + '.' + c.strip() for c in order.split(','))}))")
    with op.batch_alter_table(table, schema=None, recreate="always") as batch_op:
        batch_op.alter_column('id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_primary_key(f'pk_{table}', ['id'])


def upgrade():
    if dialect() == "sqlite":
        for name in SQLITE_BEFORE:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.drop_column('label')
        batch_op.drop_column('created_at')

    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_transactions_order_id'), ['order_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ledger_transactions_order_id_orders'), 'orders', ['order_id'], ['id'])

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.SmallInteger(), nullable=True))
    set_triggers_aside(["ledger_entries"])
    op.execute(FILL_POSITIONS.format(
        collation='COLLATE "C"' if dialect() == "postgresql" else "COLLATE BINARY"))
    put_triggers_back(["ledger_entries"])
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_transaction_id')
        batch_op.drop_constraint('pk_ledger_entries', type_='primary')
        batch_op.drop_column('id')
        batch_op.alter_column('position', existing_type=sa.SmallInteger(), nullable=False)
        batch_op.create_primary_key('pk_ledger_entries', ['transaction_id', 'position'])

    with op.batch_alter_table('ledger_closures', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ledger_closures_seq', type_='unique')
        batch_op.drop_constraint('pk_ledger_closures', type_='primary')
        batch_op.drop_column('id')
        batch_op.create_primary_key('pk_ledger_closures', ['seq'])
        batch_op.add_column(sa.Column('signature', sa.String(length=128), nullable=True))

    with op.batch_alter_table('ledger_chain_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('closure_hash', sa.String(length=64), server_default=GENESIS, nullable=False))
    op.execute(FILL_CLOSURE_HEAD.format(genesis=GENESIS))

    if dialect() == "postgresql":
        for statement in PG_UP:
            op.execute(statement)
    else:
        for statement in SQLITE_AFTER:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM ledger_transactions WHERE format > 1")).first():
        raise RuntimeError("The ledger holds transactions hashed in format 2: going below "
                           "revision 0012 would leave them unverifiable.")
    if dialect() == "sqlite":
        for name in SQLITE_AFTER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for statement in PG_DOWN:
            op.execute(statement)

    with op.batch_alter_table('ledger_chain_head', schema=None) as batch_op:
        batch_op.drop_column('closure_hash')
        batch_op.drop_column('closure_seq')

    with op.batch_alter_table('ledger_closures', schema=None) as batch_op:
        batch_op.drop_column('signature')
        batch_op.drop_constraint('pk_ledger_closures', type_='primary')
        batch_op.create_unique_constraint('uq_ledger_closures_seq', ['seq'])
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint('pk_ledger_entries', type_='primary')
    surrogate_ids_back('ledger_closures', 'seq')
    surrogate_ids_back('ledger_entries', 'transaction_id, position')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('position')
        batch_op.create_index('ix_ledger_entries_transaction_id', ['transaction_id'], unique=False)

    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ledger_transactions_order_id_orders'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ledger_transactions_order_id'))
        batch_op.drop_column('order_id')
        batch_op.drop_column('format')

    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('label', sa.String(length=160), nullable=True))
    op.execute("UPDATE ledger_accounts SET label = key, created_at = CURRENT_TIMESTAMP")
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('label', existing_type=sa.String(length=160), nullable=False)

    if dialect() == "sqlite":
        for statement in SQLITE_0011:
            op.execute(statement)
