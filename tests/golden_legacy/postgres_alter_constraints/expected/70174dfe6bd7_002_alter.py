"""Legacy migrations_manual_sql/002_alter.sql

Revision ID: 70174dfe6bd7
Revises: 6be71f3ab865
Legacy sources:
    migrations_manual_sql/002_alter.sql
        sha256:ceca393ccfaa908746589f9cb672a0ca329f14661d7d3e993e2344211407ccee

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '70174dfe6bd7'
down_revision = '6be71f3ab865'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/002_alter.sql',
        'ceca393ccfaa908746589f9cb672a0ca329f14661d7d3e993e2344211407ccee',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_alter.sql:1
    op.alter_column(
        'invoices',
        'amount',
        existing_type=sa.Text(),
        type_=sa.Numeric(precision=12, scale=2),
        existing_nullable=True,
        postgresql_using='amount::numeric',
    )
    # migrations_manual_sql/002_alter.sql:2
    op.alter_column(
        'invoices',
        'status',
        existing_type=sa.String(length=20),
        server_default=sa.text("'open'"),
        existing_nullable=True,
    )
    # migrations_manual_sql/002_alter.sql:3
    op.execute(sa.text("UPDATE invoices SET status = 'open' WHERE status IS NULL"))
    # migrations_manual_sql/002_alter.sql:4
    op.alter_column(
        'invoices',
        'status',
        existing_type=sa.String(length=20),
        nullable=False,
        existing_server_default=sa.text("'open'"),
    )
    # migrations_manual_sql/002_alter.sql:5
    op.create_foreign_key(
        'fk_invoices_customer',
        'invoices',
        'customers',
        ['customer_id'],
        ['id'],
        ondelete='RESTRICT',
    )
    # migrations_manual_sql/002_alter.sql:7
    op.create_check_constraint('ck_invoices_amount', 'invoices', 'amount >= 0')
    # migrations_manual_sql/002_alter.sql:8
    op.create_unique_constraint('uq_customers_email', 'customers', ['email'])
    # migrations_manual_sql/002_alter.sql:9
    op.drop_constraint('uq_customers_email', 'customers')
    # migrations_manual_sql/002_alter.sql:10
    op.alter_column('customers', 'email', existing_type=sa.String(length=200), nullable=True)
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_alter.sql:10
    op.alter_column('customers', 'email', existing_type=sa.String(length=200), nullable=False)
    # migrations_manual_sql/002_alter.sql:9
    op.create_unique_constraint('uq_customers_email', 'customers', ['email'])
    # migrations_manual_sql/002_alter.sql:8
    op.drop_constraint('uq_customers_email', 'customers', type_='unique')
    # migrations_manual_sql/002_alter.sql:7
    op.drop_constraint('ck_invoices_amount', 'invoices', type_='check')
    # migrations_manual_sql/002_alter.sql:5
    op.drop_constraint('fk_invoices_customer', 'invoices', type_='foreignkey')
    # migrations_manual_sql/002_alter.sql:4
    op.alter_column(
        'invoices',
        'status',
        existing_type=sa.String(length=20),
        nullable=True,
        existing_server_default=sa.text("'open'"),
    )
    # migrations_manual_sql/002_alter.sql:3
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrations_manual_sql/002_alter.sql:2
    op.alter_column(
        'invoices',
        'status',
        existing_type=sa.String(length=20),
        server_default=None,
        existing_nullable=True,
    )
    # migrations_manual_sql/002_alter.sql:1
    op.alter_column(
        'invoices',
        'amount',
        existing_type=sa.Numeric(precision=12, scale=2),
        type_=sa.Text(),
        existing_nullable=True,
    )
    # ### end legacy2alembic commands ###
