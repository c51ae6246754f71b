"""Legacy migrate_tiers.py

Revision ID: cd87a39cf899
Revises:
Legacy sources:
    migrate_tiers.py
        sha256:028334f368ed4bdbd1d637320af10ce004549f074d9478b69ca88edd82c2d79c

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'cd87a39cf899'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    ('migrate_tiers.py', '028334f368ed4bdbd1d637320af10ce004549f074d9478b69ca88edd82c2d79c'),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_tiers.py:9
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrate_tiers.py:10
    op.add_column(
        'customers',
        sa.Column(
            'tier', sa.String(length=20), server_default=sa.text("'standard'"), nullable=True
        ),
    )
    # migrate_tiers.py:12
    op.execute(sa.text("UPDATE customers SET tier = 'gold' WHERE name LIKE 'VIP%'"))
    # migrate_tiers.py:15
    op.create_index('ix_customers_name', 'customers', [sa.text('lower(name)')], unique=True)
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_tiers.py:15
    op.drop_index('ix_customers_name', table_name='customers')
    # migrate_tiers.py:12
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrate_tiers.py:10
    op.drop_column('customers', 'tier')
    # migrate_tiers.py:9
    op.drop_table('customers')
    # ### end legacy2alembic commands ###
