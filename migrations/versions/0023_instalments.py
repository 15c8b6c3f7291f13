"""instalments: a contract paid for the season, at once or by monthly instalments; each
subscription's schedule of instalments (due, paid, cancelled) and when its account was
settled

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 10:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instalments', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('ck_contracts_payment_terms_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_contracts_payment_terms_known'),
            "payment_terms IN ('per_delivery', 'upfront', 'instalments')",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_contracts_instalments_range'), 'instalments BETWEEN 1 AND 12'
        )

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('subscription_instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('due', 'paid', 'cancelled', name='instalmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_subscription_instalments_amount_not_negative')),
    sa.CheckConstraint("status IN ('due', 'paid', 'cancelled')", name=op.f('ck_subscription_instalments_status_known')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_subscription_instalments_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_instalments_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_instalments')),
    sa.UniqueConstraint('subscription_id', 'number', name=op.f('uq_subscription_instalments_subscription_id_number'))
    )
    with op.batch_alter_table('subscription_instalments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_instalments_subscription_id'), ['subscription_id'], unique=False)


def downgrade():
    with op.batch_alter_table('subscription_instalments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_instalments_subscription_id'))
    op.drop_table('subscription_instalments')

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('settled_at')

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contracts_instalments_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_contracts_payment_terms_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_contracts_payment_terms_known'), "payment_terms IN ('per_delivery')"
        )
        batch_op.drop_column('instalments')
