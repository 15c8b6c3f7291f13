"""figures: producers' coordinates (how far their food travels), households' commune
(aggregated on the observatory), the result of each `ledger verify` (the dashboard shows the last)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('producers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('town', sa.String(length=120), nullable=True))

    op.create_table('ledger_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('head_seq', sa.BigInteger(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_verifications'))
    )
    with op.batch_alter_table('ledger_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_verifications_checked_at'), ['checked_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ledger_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_verifications_checked_at'))

    op.drop_table('ledger_verifications')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('town')
        batch_op.drop_column('postcode')

    with op.batch_alter_table('producers', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
