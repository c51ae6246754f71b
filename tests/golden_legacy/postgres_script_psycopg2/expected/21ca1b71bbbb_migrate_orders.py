"""Legacy migrate_orders.py

Revision ID: 21ca1b71bbbb
Revises:
Legacy sources:
    migrate_orders.py
        sha256:414820328c7313b099b56d81b0ac49612945815cb82037bef2465e788a216545

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '21ca1b71bbbb'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    ('migrate_orders.py', '414820328c7313b099b56d81b0ac49612945815cb82037bef2465e788a216545'),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_orders.py:17
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            'total', sa.Numeric(precision=10, scale=2), server_default=sa.text('0'), nullable=False
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrate_orders.py:23
    op.add_column('orders', sa.Column('status', sa.String(length=20), nullable=True))
    # migrate_orders.py:24
    op.execute(sa.text("UPDATE orders SET status = 'new' WHERE status IS NULL"))
    # migrate_orders.py:25
    op.create_index('ix_orders_status', 'orders', ['status'], unique=False)
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_orders.py:25
    op.drop_index('ix_orders_status', table_name='orders')
    # migrate_orders.py:24
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrate_orders.py:23
    op.drop_column('orders', 'status')
    # migrate_orders.py:17
    op.drop_table('orders')
    # ### end legacy2alembic commands ###
