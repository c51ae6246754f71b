"""003 rebuild orgs

Revision ID: 3c4d5e6f7081
Revises: 2b3c4d5e6f70
Legacy sources:
    migrate_003_rebuild.py
        sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '3c4d5e6f7081'
down_revision = '2b3c4d5e6f70'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    ('migrate_003_rebuild.py', 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_003_rebuild.py:5
    # legacy2alembic: table 'orgs' rebuilt through 'orgs_new', step by step:
    # migrate_003_rebuild.py:5
    op.create_table(
        'orgs_new',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('slug', sa.String(length=100), server_default=sa.text("''"), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrate_003_rebuild.py:11
    op.execute(
        sa.text("""\
INSERT INTO orgs_new (id, name, slug)
SELECT id, name, lower(replace(name, ' ', '-')) FROM orgs""")
    )
    # migrate_003_rebuild.py:13
    op.drop_table('orgs')
    # migrate_003_rebuild.py:14
    op.rename_table('orgs_new', 'orgs')
    # migrate_003_rebuild.py:17
    op.create_index('ix_users_email_lower', 'users', [sa.text('lower(email_address)')], unique=True)
    # migrate_003_rebuild.py:20
    # TODO(legacy2alembic): loop over a list that is not literal
    #     for t in TABLES:
    #         cur.execute(f"VACUUM {t}")  # noqa
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    op.drop_index('ix_users_email_lower', table_name='users')
    # legacy2alembic: cannot downgrade: the legacy rebuild of orgs cannot be undone automatically
    # migrate_003_rebuild.py:22
    # TODO(legacy2alembic): restore_sql is computed at run time
    #     cur.execute(restore_sql)
    # ### end legacy2alembic commands ###
