"""Legacy migrations_manual_sql/001_create.sql

Revision ID: 6be71f3ab865
Revises:
Legacy sources:
    migrations_manual_sql/001_create.sql
        sha256:2f6a93881fcc3c86912c5e8b600d54eb3ca8e90991422e9b24cd15fbceaa2f70

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '6be71f3ab865'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_create.sql',
        '2f6a93881fcc3c86912c5e8b600d54eb3ca8e90991422e9b24cd15fbceaa2f70',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_create.sql:1
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrations_manual_sql/001_create.sql:5
    op.create_table(
        'invoices',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_create.sql:5
    op.drop_table('invoices')
    # migrations_manual_sql/001_create.sql:1
    op.drop_table('customers')
    # ### end legacy2alembic commands ###
