"""figures: summaries of settled cycles for the observatory (their ledger totals, sales per
producer and collection point, each household's month and categories per season); fill them
with `flask --app market figures rebuild` (until then the observatory reads the orders)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('figure_cycles',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('season', sa.String(length=4), nullable=False),
    sa.Column('producers_share_cents', sa.BigInteger(), nullable=False),
    sa.Column('commission_cents', sa.BigInteger(), nullable=False),
    sa.Column('summarised_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['order_cycles.id'], name=op.f('fk_figure_cycles_cycle_id_order_cycles')),
    sa.PrimaryKeyConstraint('cycle_id', name=op.f('pk_figure_cycles'))
    )
    op.create_table('figure_household_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season', sa.String(length=4), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_figure_household_categories_category_id_categories')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_figure_household_categories_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_household_categories'))
    )
    with op.batch_alter_table('figure_household_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_household_categories_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_household_categories_season'), ['season'], unique=False)

    op.create_table('figure_household_months',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('season', sa.String(length=4), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_figure_household_months_household_id_households')),
    sa.PrimaryKeyConstraint('month', 'household_id', name=op.f('pk_figure_household_months'))
    )
    with op.batch_alter_table('figure_household_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_household_months_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_household_months_season'), ['season'], unique=False)

    op.create_table('figure_places',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('collection_point_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['collection_point_id'], ['collection_points.id'], name=op.f('fk_figure_places_collection_point_id_collection_points')),
    sa.ForeignKeyConstraint(['cycle_id'], ['order_cycles.id'], name=op.f('fk_figure_places_cycle_id_order_cycles')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_figure_places_producer_id_producers')),
    sa.PrimaryKeyConstraint('cycle_id', 'producer_id', 'collection_point_id', name=op.f('pk_figure_places'))
    )


def downgrade():
    op.drop_table('figure_places')
    with op.batch_alter_table('figure_household_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_household_months_season'))
        batch_op.drop_index(batch_op.f('ix_figure_household_months_household_id'))

    op.drop_table('figure_household_months')
    with op.batch_alter_table('figure_household_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_household_categories_season'))
        batch_op.drop_index(batch_op.f('ix_figure_household_categories_household_id'))

    op.drop_table('figure_household_categories')
    op.drop_table('figure_cycles')
