"""basket shares: a second household invited to share a subscription's basket, its answer,
and the first delivery from which the two households receive the basket in turn

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 06:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subscription_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'accepted', 'declined', name='sharestatus', native_enum=False, length=20), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.CheckConstraint("status IN ('invited', 'accepted', 'declined')", name=op.f('ck_subscription_shares_status_known')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_subscription_shares_household_id_households')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_shares_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_shares'))
    )
    with op.batch_alter_table('subscription_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_shares_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_shares_subscription_id'), ['subscription_id'], unique=False)


def downgrade():
    with op.batch_alter_table('subscription_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_shares_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_shares_household_id'))

    op.drop_table('subscription_shares')
