"""subscriptions: seasonal contracts (AMAP-style baskets), the collection points serving them,
the households subscribed, their absences, each delivery generated into a cycle, and the mark
on an order line that it comes from a contract

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 05:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('every_cycles', sa.Integer(), nullable=False),
    sa.Column('first_delivery', sa.Date(), nullable=False),
    sa.Column('last_delivery', sa.Date(), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=True),
    sa.Column('subscribers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('absences_allowed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('payment_terms', sa.Enum('per_delivery', name='paymentterms', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("payment_terms IN ('per_delivery')", name=op.f('ck_contracts_payment_terms_known')),
    sa.CheckConstraint('absences_allowed >= 0', name=op.f('ck_contracts_absences_not_negative')),
    sa.CheckConstraint('cap IS NULL OR cap > 0', name=op.f('ck_contracts_cap_positive')),
    sa.CheckConstraint('cap IS NULL OR subscribers <= cap', name=op.f('ck_contracts_cap_holds')),
    sa.CheckConstraint('every_cycles IN (1, 2)', name=op.f('ck_contracts_every_one_or_two')),
    sa.CheckConstraint('last_delivery >= first_delivery', name=op.f('ck_contracts_season_in_order')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_contracts_quantity_positive')),
    sa.CheckConstraint('subscribers >= 0', name=op.f('ck_contracts_subscribers_not_negative')),
    sa.CheckConstraint('unit_price_cents >= 0', name=op.f('ck_contracts_price_not_negative')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_contracts_producer_id_producers')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_contracts_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_product_id'), ['product_id'], unique=False)

    op.create_table('contract_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('collection_point_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collection_point_id'], ['collection_points.id'], name=op.f('fk_contract_points_collection_point_id_collection_points')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_points_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_points')),
    sa.UniqueConstraint('contract_id', 'collection_point_id', name=op.f('uq_contract_points_contract_id_collection_point_id'))
    )
    with op.batch_alter_table('contract_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_points_collection_point_id'), ['collection_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_points_contract_id'), ['contract_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('collection_point_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'ended', name='subscriptionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('subscribed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_subscriptions_status_known')),
    sa.ForeignKeyConstraint(['collection_point_id'], ['collection_points.id'], name=op.f('fk_subscriptions_collection_point_id_collection_points')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_subscriptions_contract_id_contracts')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_subscriptions_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('contract_id', 'household_id', name=op.f('uq_subscriptions_contract_id_household_id'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_collection_point_id'), ['collection_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_household_id'), ['household_id'], unique=False)

    op.create_table('subscription_absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_absences_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_absences')),
    sa.UniqueConstraint('subscription_id', 'day', name=op.f('uq_subscription_absences_subscription_id_day'))
    )
    with op.batch_alter_table('subscription_absences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_absences_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('subscription_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('delivered', 'absent', 'short', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('delivered', 'absent', 'short')", name=op.f('ck_subscription_deliveries_status_known')),
    sa.ForeignKeyConstraint(['cycle_id'], ['order_cycles.id'], name=op.f('fk_subscription_deliveries_cycle_id_order_cycles')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_subscription_deliveries_order_id_orders')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_deliveries_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_deliveries')),
    sa.UniqueConstraint('subscription_id', 'cycle_id', name=op.f('uq_subscription_deliveries_subscription_id_cycle_id')),
    sa.UniqueConstraint('subscription_id', 'day', name=op.f('uq_subscription_deliveries_subscription_id_day'))
    )
    with op.batch_alter_table('subscription_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_deliveries_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_deliveries_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_deliveries_subscription_id'), ['subscription_id'], unique=False)

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_lines_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_subscription_id_subscriptions'), 'subscriptions', ['subscription_id'], ['id'])



def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_lines_subscription_id_subscriptions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_lines_subscription_id'))
        batch_op.drop_column('subscription_id')

    with op.batch_alter_table('subscription_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_deliveries_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_deliveries_order_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_deliveries_cycle_id'))

    op.drop_table('subscription_deliveries')
    with op.batch_alter_table('subscription_absences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_absences_subscription_id'))

    op.drop_table('subscription_absences')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_household_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_contract_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_collection_point_id'))

    op.drop_table('subscriptions')
    with op.batch_alter_table('contract_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_points_contract_id'))
        batch_op.drop_index(batch_op.f('ix_contract_points_collection_point_id'))

    op.drop_table('contract_points')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_product_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_producer_id'))

    op.drop_table('contracts')
