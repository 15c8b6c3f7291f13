"""a season: order references unique forever, planned closing kept, reminders can be
switched off, producers' IBAN and BIC, outbox messages keyed on their event and with
attachments, payouts to producers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:30:00

Order references were the cycle's week and a number restarting in each cycle, so two cycles
of the same week (or the same week a year later) repeated them. Existing references are kept
as they were printed; should two orders share one already, the later ones take the new form
(the cycle's id and the order's number in it) before the constraint is made.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def make_references_unique():
    orders = sa.table('orders', sa.column('id', sa.Integer), sa.column('cycle_id', sa.Integer),
                      sa.column('number', sa.Integer), sa.column('reference', sa.String))
    connection = op.get_bind()
    seen = set()
    rows = connection.execute(sa.select(orders.c.id, orders.c.cycle_id, orders.c.number,
                                        orders.c.reference).order_by(orders.c.id)).all()
    for order_id, cycle_id, number, reference in rows:
        if reference in seen:
            reference = f"{cycle_id}-{number:03d}"
            connection.execute(orders.update().where(orders.c.id == order_id)
                               .values(reference=reference))
        seen.add(reference)


def upgrade():
    make_references_unique()
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_reference')
        batch_op.create_unique_constraint(batch_op.f('uq_orders_reference'), ['reference'])

    with op.batch_alter_table('order_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_closes_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders', sa.Boolean(), server_default='1', nullable=False))

    with op.batch_alter_table('producers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iban', sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column('bic', sa.String(length=11), nullable=True))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_messages_event_key'), ['event_key'])

    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_outbox_attachments_message_id_outbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_message_id'), ['message_id'], unique=False)

    op.create_table('payout_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('execution_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sepa_xml', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payout_batches_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_batches')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payout_batches_idempotency_key'))
    )
    op.create_table('payout_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payout_lines_amount_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['payout_batches.id'], name=op.f('fk_payout_lines_batch_id_payout_batches')),
    sa.ForeignKeyConstraint(['cycle_id'], ['order_cycles.id'], name=op.f('fk_payout_lines_cycle_id_order_cycles')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_payout_lines_producer_id_producers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_lines')),
    sa.UniqueConstraint('producer_id', 'cycle_id', name=op.f('uq_payout_lines_producer_id_cycle_id'))
    )
    with op.batch_alter_table('payout_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_lines_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_lines_producer_id'), ['producer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payout_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_lines_producer_id'))
        batch_op.drop_index(batch_op.f('ix_payout_lines_cycle_id'))
        batch_op.drop_index(batch_op.f('ix_payout_lines_batch_id'))
    op.drop_table('payout_lines')
    op.drop_table('payout_batches')

    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_message_id'))
    op.drop_table('outbox_attachments')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_messages_event_key'), type_='unique')
        batch_op.drop_column('event_key')

    with op.batch_alter_table('producers', schema=None) as batch_op:
        batch_op.drop_column('bic')
        batch_op.drop_column('iban')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reminders')

    with op.batch_alter_table('order_cycles', schema=None) as batch_op:
        batch_op.drop_column('planned_closes_at')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_orders_reference'), type_='unique')
        batch_op.create_index('ix_orders_reference', ['reference'], unique=False)
