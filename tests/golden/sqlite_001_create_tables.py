"""001 init

Revision ID: 1a2b3c4d5e6f
Revises:
Create Date: 2023-01-05 10:00:00+01:00
Legacy sources:
    migrations_manual_sql/001_init.sql
        sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '1a2b3c4d5e6f'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_init.sql',
        'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_init.sql:1
    op.create_table(
        'orgs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', name='uq_orgs_name'),
        sqlite_autoincrement=True,
    )
    # migrations_manual_sql/001_init.sql:6
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=True),
        sa.Column(
            'nickname', sa.String(length=50), server_default=sa.text("'\\:none'"), nullable=True
        ),
        sa.Column('status', sa.String(length=20), server_default=sa.text("'new'"), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_users'),
        sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name='fk_users_org', ondelete='CASCADE'),
        sa.UniqueConstraint('email'),
        sa.CheckConstraint("status IN ('new', 'active', '100%')", name='ck_users_status'),
    )
    # migrations_manual_sql/001_init.sql:18
    op.create_index(
        'ix_users_active',
        'users',
        ['org_id'],
        unique=False,
        sqlite_where=sa.text("status = 'active'"),
    )
    # migrations_manual_sql/001_init.sql:20
    op.execute(sa.text("INSERT INTO orgs (id, name) VALUES (1, 'acme:corp 100%')"))
    # migrations_manual_sql/001_init.sql:21
    op.execute(
        sa.text("""\
INSERT INTO users (id, org_id, email, name)
VALUES (1, 1, 'a@x.org', 'Ann')""")
    )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    op.drop_index('ix_users_active', table_name='users')
    op.drop_table('users')
    op.drop_table('orgs')
    # ### end legacy2alembic commands ###
