"""pickup day: missing units and real weights on lines, collected or no-show on orders,
producer lists sent once per cycle

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:31:47.998748

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'  # after payments: revisions run in merge order
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lists_sent_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_quantity', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('real_weight_grams', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_order_lines_missing_within_quantity'),
            'missing_quantity >= 0 AND missing_quantity <= quantity')
        batch_op.create_check_constraint(
            op.f('ck_order_lines_real_weight_not_negative'),
            'real_weight_grams IS NULL OR real_weight_grams >= 0')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('no_show_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('no_show_at')
        batch_op.drop_column('collected_at')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_lines_real_weight_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_order_lines_missing_within_quantity'), type_='check')
        batch_op.drop_column('real_weight_grams')
        batch_op.drop_column('missing_quantity')

    with op.batch_alter_table('order_cycles', schema=None) as batch_op:
        batch_op.drop_column('lists_sent_at')

