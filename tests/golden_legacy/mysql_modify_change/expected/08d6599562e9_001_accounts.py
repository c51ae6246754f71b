"""Legacy migrations_manual_sql/001_accounts.sql

Revision ID: 08d6599562e9
Revises:
Legacy sources:
    migrations_manual_sql/001_accounts.sql
        sha256:af92d52f9bab5d8ea168c2628017fac51ad4cba425069867f474d84845e20d90

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '08d6599562e9'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_accounts.sql',
        'af92d52f9bab5d8ea168c2628017fac51ad4cba425069867f474d84845e20d90',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_accounts.sql:1
    op.create_table(
        'accounts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('handle', sa.String(length=50), nullable=False),
        sa.Column('bio', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        mysql_engine='InnoDB',
    )
    # migrations_manual_sql/001_accounts.sql:6
    op.alter_column(
        'accounts',
        'bio',
        existing_type=sa.String(length=200),
        server_default=None,
        type_=sa.Text(),
        nullable=False,
    )
    # migrations_manual_sql/001_accounts.sql:7
    op.alter_column(
        'accounts',
        'handle',
        new_column_name='username',
        existing_type=sa.String(length=50),
        existing_nullable=False,
    )
    # migrations_manual_sql/001_accounts.sql:7
    op.alter_column(
        'accounts',
        'username',
        existing_type=sa.String(length=50),
        server_default=None,
        type_=sa.String(length=80),
        nullable=False,
    )
    # migrations_manual_sql/001_accounts.sql:8
    op.create_index('ix_accounts_username', 'accounts', ['username'], unique=False)
    # migrations_manual_sql/001_accounts.sql:9
    op.rename_table('accounts', 'members')
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_accounts.sql:9
    op.rename_table('members', 'accounts')
    # migrations_manual_sql/001_accounts.sql:7
    op.alter_column(
        'accounts',
        'username',
        existing_type=sa.String(length=80),
        server_default=None,
        type_=sa.String(length=50),
        nullable=False,
    )
    # migrations_manual_sql/001_accounts.sql:7
    op.alter_column(
        'accounts',
        'username',
        new_column_name='handle',
        existing_type=sa.String(length=50),
        existing_nullable=False,
    )
    # migrations_manual_sql/001_accounts.sql:6
    op.alter_column(
        'accounts',
        'bio',
        existing_type=sa.Text(),
        server_default=None,
        type_=sa.String(length=200),
        nullable=True,
    )
    # migrations_manual_sql/001_accounts.sql:1
    op.drop_table('accounts')
    # ### end legacy2alembic commands ###
