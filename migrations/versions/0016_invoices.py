"""invoices: producers' tax profiles, invoicing mandates, invoices numbered without a gap
and never changed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 01:06:04.338107

Triggers, on SQLite and PostgreSQL alike:
- `invoices` is append-only (no UPDATE, no DELETE), and a row may only be the next of its
  series: number = the series' highest + 1, issued no earlier than the series' last;
- `invoice_series` only counts up by one (or stays: a row lock on SQLite is an update that
  changes nothing), and no series is deleted;
- an invoicing mandate is never deleted and, once written, may only be withdrawn (its
  withdrawal written once, nothing else changed).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


SQLITE_TRIGGERS = [
    """CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'invoices is append-only'); END""",
    """CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'invoices is append-only'); END""",
    """CREATE TRIGGER invoices_next_number BEFORE INSERT ON invoices
BEGIN
  SELECT RAISE(ABORT, 'invoice number must follow the last of its series')
  WHERE NEW.number <> COALESCE((SELECT MAX(number) FROM invoices WHERE series = NEW.series), 0) + 1;
  SELECT RAISE(ABORT, 'invoice must not be dated before the last of its series')
  WHERE NEW.issued_at < (SELECT MAX(issued_at) FROM invoices WHERE series = NEW.series);
END""",
    """CREATE TRIGGER invoice_series_count_up BEFORE UPDATE ON invoice_series
WHEN NEW.last_number NOT IN (OLD.last_number, OLD.last_number + 1) OR NEW.key <> OLD.key
  OR NEW.id <> OLD.id
BEGIN SELECT RAISE(ABORT, 'invoice series only count up by one'); END""",
    """CREATE TRIGGER invoice_series_no_delete BEFORE DELETE ON invoice_series
BEGIN SELECT RAISE(ABORT, 'invoice series cannot be deleted'); END""",
    """CREATE TRIGGER invoicing_mandates_only_withdrawn BEFORE UPDATE ON invoicing_mandates
WHEN OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL OR NEW.id <> OLD.id
  OR NEW.producer_id <> OLD.producer_id OR NEW.version <> OLD.version
  OR NEW.text_sha256 <> OLD.text_sha256 OR NEW.accepted_at <> OLD.accepted_at
  OR NEW.accepted_by_id IS NOT OLD.accepted_by_id
BEGIN SELECT RAISE(ABORT, 'an invoicing mandate may only be withdrawn'); END""",
    """CREATE TRIGGER invoicing_mandates_no_delete BEFORE DELETE ON invoicing_mandates
BEGIN SELECT RAISE(ABORT, 'invoicing mandates cannot be deleted'); END""",
]
SQLITE_TRIGGER_NAMES = [
    "invoices_no_update", "invoices_no_delete", "invoices_next_number",
    "invoice_series_count_up", "invoice_series_no_delete", "invoicing_mandates_only_withdrawn",
    "invoicing_mandates_no_delete",
]

PG_FUNCTIONS = [
    """CREATE FUNCTION invoices_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$""",
    """CREATE FUNCTION invoices_check_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.number <> COALESCE((SELECT MAX(number) FROM invoices WHERE series = NEW.series), 0) + 1
  THEN
    RAISE EXCEPTION 'invoice number must follow the last of its series';
  END IF;
  IF NEW.issued_at < (SELECT MAX(issued_at) FROM invoices WHERE series = NEW.series) THEN
    RAISE EXCEPTION 'invoice must not be dated before the last of its series';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE FUNCTION invoice_series_check_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'invoice series cannot be deleted';
  END IF;
  IF NEW.last_number NOT IN (OLD.last_number, OLD.last_number + 1) OR NEW.key <> OLD.key
     OR NEW.id <> OLD.id THEN
    RAISE EXCEPTION 'invoice series only count up by one';
  END IF;
  RETURN NEW;
END $$""",
    """CREATE FUNCTION invoicing_mandates_check_withdrawal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'invoicing mandates cannot be deleted';
  END IF;
  IF OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL
     OR (NEW.id, NEW.producer_id, NEW.version, NEW.text_sha256, NEW.accepted_at,
         NEW.accepted_by_id)
        IS DISTINCT FROM (OLD.id, OLD.producer_id, OLD.version, OLD.text_sha256,
                          OLD.accepted_at, OLD.accepted_by_id) THEN
    RAISE EXCEPTION 'an invoicing mandate may only be withdrawn';
  END IF;
  RETURN NEW;
END $$""",
]
PG_TRIGGERS = [
    """CREATE TRIGGER invoices_append_only BEFORE UPDATE OR DELETE ON invoices
FOR EACH ROW EXECUTE FUNCTION invoices_refuse_change()""",
    """CREATE TRIGGER invoices_next_number BEFORE INSERT ON invoices
FOR EACH ROW EXECUTE FUNCTION invoices_check_next()""",
    """CREATE TRIGGER invoice_series_count_up BEFORE UPDATE OR DELETE ON invoice_series
FOR EACH ROW EXECUTE FUNCTION invoice_series_check_count()""",
    """CREATE TRIGGER invoicing_mandates_only_withdrawn BEFORE UPDATE OR DELETE
ON invoicing_mandates FOR EACH ROW EXECUTE FUNCTION invoicing_mandates_check_withdrawal()""",
]
PG_DOWN = [
    "DROP TRIGGER invoicing_mandates_only_withdrawn ON invoicing_mandates",
    "DROP TRIGGER invoice_series_count_up ON invoice_series",
    "DROP TRIGGER invoices_next_number ON invoices",
    "DROP TRIGGER invoices_append_only ON invoices",
    "DROP FUNCTION invoicing_mandates_check_withdrawal()",
    "DROP FUNCTION invoice_series_check_count()",
    "DROP FUNCTION invoices_check_next()",
    "DROP FUNCTION invoices_refuse_change()",
]


def dialect() -> str:
    return op.get_context().dialect.name


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('invoice_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_series')),
    sa.UniqueConstraint('key', name=op.f('uq_invoice_series_key'))
    )
    op.create_table('invoicing_mandates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_invoicing_mandates_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_invoicing_mandates_producer_id_producers')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_invoicing_mandates_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoicing_mandates'))
    )
    with op.batch_alter_table('invoicing_mandates', schema=None) as batch_op:
        batch_op.create_index('ix_invoicing_mandates_producer_id_withdrawn_at', ['producer_id', 'withdrawn_at'], unique=False)

    op.create_table('tax_profiles',
    sa.Column('producer_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('legal_name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('town', sa.String(length=120), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=False),
    sa.Column('vat_number', sa.String(length=13), nullable=True),
    sa.Column('vat_regime', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("vat_regime IN ('normal', 'franchise', 'forfait')", name=op.f('ck_tax_profiles_regime_known')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_tax_profiles_checked_by_id_users')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_tax_profiles_producer_id_producers')),
    sa.PrimaryKeyConstraint('producer_id', name=op.f('pk_tax_profiles'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=True),
    sa.Column('credited_invoice_id', sa.Integer(), nullable=True),
    sa.Column('mandate_id', sa.Integer(), nullable=True),
    sa.Column('vat_regime', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('total_excl_vat_cents', sa.Integer(), nullable=False),
    sa.Column('total_vat_cents', sa.Integer(), nullable=False),
    sa.Column('total_incl_vat_cents', sa.Integer(), nullable=False),
    sa.Column('ledger_seqs', sa.JSON(), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind <> 'credit_note' OR credited_invoice_id IS NOT NULL", name=op.f('ck_invoices_credit_note_names_invoice')),
    sa.CheckConstraint("kind IN ('sale', 'credit_note', 'commission')", name=op.f('ck_invoices_kind_known')),
    sa.CheckConstraint('number > 0', name=op.f('ck_invoices_number_positive')),
    sa.CheckConstraint('total_excl_vat_cents + total_vat_cents = total_incl_vat_cents', name=op.f('ck_invoices_totals_add_up')),
    sa.ForeignKeyConstraint(['credited_invoice_id'], ['invoices.id'], name=op.f('fk_invoices_credited_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['cycle_id'], ['order_cycles.id'], name=op.f('fk_invoices_cycle_id_order_cycles')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_invoices_household_id_households')),
    sa.ForeignKeyConstraint(['mandate_id'], ['invoicing_mandates.id'], name=op.f('fk_invoices_mandate_id_invoicing_mandates')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_invoices_producer_id_producers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('reference', name=op.f('uq_invoices_reference')),
    sa.UniqueConstraint('series', 'number', name=op.f('uq_invoices_series_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_credited_invoice_id'), ['credited_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index('ix_invoices_order_id_producer_id', ['order_id', 'producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_producer_id'), ['producer_id'], unique=False)

    # ### end Alembic commands ###
    # The hub's own series exists from the start, so that its row can always be locked.
    op.execute("INSERT INTO invoice_series (key, last_number) VALUES ('COM', 0)")
    if dialect() == "postgresql":
        for statement in [*PG_FUNCTIONS, *PG_TRIGGERS]:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if dialect() == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_producer_id'))
        batch_op.drop_index('ix_invoices_order_id_producer_id')
        batch_op.drop_index(batch_op.f('ix_invoices_issued_at'))
        batch_op.drop_index(batch_op.f('ix_invoices_household_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_cycle_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_credited_invoice_id'))

    op.drop_table('invoices')
    op.drop_table('tax_profiles')
    with op.batch_alter_table('invoicing_mandates', schema=None) as batch_op:
        batch_op.drop_index('ix_invoicing_mandates_producer_id_withdrawn_at')

    op.drop_table('invoicing_mandates')
    op.drop_table('invoice_series')
    # ### end Alembic commands ###
