"""Legacy migrations_manual_sql/001_tables.sql

Revision ID: 54f4b65990df
Revises:
Legacy sources:
    migrations_manual_sql/001_tables.sql
        sha256:91554adc1fdb96ae2343d5954a0c3bf76e0cf25e0406681a7f8e45dc31b1f990

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '54f4b65990df'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_tables.sql',
        '91554adc1fdb96ae2343d5954a0c3bf76e0cf25e0406681a7f8e45dc31b1f990',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_tables.sql:2
    op.create_table(
        'orgs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        sqlite_autoincrement=True,
    )
    # migrations_manual_sql/001_tables.sql:7
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), server_default=sa.text("'new'"), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_users'),
        sa.UniqueConstraint('email', name='uq_users_email'),
        sa.CheckConstraint("status IN ('new', 'active')", name='ck_users_status'),
    )
    # migrations_manual_sql/001_tables.sql:17
    op.create_table(
        'scratch', sa.Column('id', sa.Integer(), nullable=True), sa.PrimaryKeyConstraint('id')
    )
    # migrations_manual_sql/001_tables.sql:18
    op.rename_table('scratch', 'scratch_old')
    # migrations_manual_sql/001_tables.sql:19
    op.drop_table('scratch_old')
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_tables.sql:19
    op.create_table(
        'scratch_old', sa.Column('id', sa.Integer(), nullable=True), sa.PrimaryKeyConstraint('id')
    )
    # migrations_manual_sql/001_tables.sql:18
    op.rename_table('scratch_old', 'scratch')
    # migrations_manual_sql/001_tables.sql:17
    op.drop_table('scratch')
    # migrations_manual_sql/001_tables.sql:7
    op.drop_table('users')
    # migrations_manual_sql/001_tables.sql:2
    op.drop_table('orgs')
    # ### end legacy2alembic commands ###
