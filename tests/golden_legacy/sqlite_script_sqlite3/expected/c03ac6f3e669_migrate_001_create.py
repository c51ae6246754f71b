"""Legacy migrate_001_create.py

Revision ID: c03ac6f3e669
Revises:
Legacy sources:
    migrate_001_create.py
        sha256:b96cac505b6b583dd4e72ab31eb29fced8c914572e1e46cd80302eee8d5e9270

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c03ac6f3e669'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    ('migrate_001_create.py', 'b96cac505b6b583dd4e72ab31eb29fced8c914572e1e46cd80302eee8d5e9270'),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_001_create.py:6
    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_001_create.py:6
    op.drop_table('tasks')
    # ### end legacy2alembic commands ###
