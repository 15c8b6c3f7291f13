"""catalogue version: one counter the database moves whenever what the shop shows of a cycle
changes (offers but their sold units, products, producers, categories, pickups and their
points), so every app server knows when its rendered catalogue is stale

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# What each table's triggers watch: the statements that change what the shop shows. Sold
# units (offers.ordered_quantity) and places taken (cycle_pickups.orders_count) are not
# among them: the shop reads stock afresh on every request, and orders never wait on the
# counter. A row inserted into products, producers, categories or collection_points shows
# only once an offer or a pickup names it, which moves the counter.
# On SQLite, a later migration that rebuilds one of these tables (batch mode) drops its
# triggers: it must create them again (tests/orders/test_shop_cache.py checks they exist).
WATCHED = {
    'offers': ['INSERT', 'DELETE',
               'UPDATE OF cycle_id, product_id, price_cents, cap, confirmed, withdrawn_at'],
    'products': ['UPDATE', 'DELETE'],
    'producers': ['UPDATE', 'DELETE'],
    'categories': ['UPDATE', 'DELETE'],
    'cycle_pickups': ['INSERT', 'DELETE',
                      'UPDATE OF cycle_id, collection_point_id, starts_at, ends_at'],
    'collection_points': ['UPDATE', 'DELETE'],
}
BUMP = ("INSERT INTO catalogue_version (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = catalogue_version.version + 1")


def dialect() -> str:
    return op.get_bind().dialect.name


def trigger_name(table: str, event: str) -> str:
    return f"{table}_catalogue_{event.split()[0].lower()}"


def upgrade():
    op.create_table('catalogue_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version'))
    )
    if dialect() == 'postgresql':
        op.execute(f"""CREATE FUNCTION catalogue_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$""")
        for table, events in WATCHED.items():
            op.execute(f"CREATE TRIGGER {table}_catalogue AFTER {' OR '.join(events)} "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump()")
    else:
        for table, events in WATCHED.items():
            for event in events:
                op.execute(f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event} "
                           f"ON {table} BEGIN {BUMP}; END")


def downgrade():
    if dialect() == 'postgresql':
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue ON {table}")
        op.execute("DROP FUNCTION IF EXISTS catalogue_version_bump()")
    else:
        for table, events in WATCHED.items():
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}")
    op.drop_table('catalogue_version')
