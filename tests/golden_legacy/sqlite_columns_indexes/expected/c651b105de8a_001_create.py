"""Legacy migrations_manual_sql/001_create.sql

Revision ID: c651b105de8a
Revises:
Legacy sources:
    migrations_manual_sql/001_create.sql
        sha256:888f4f5adc6e3a50d8f8ddefff771dfaedd291aebd472e9a167c77c1af17acb2

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c651b105de8a'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_create.sql',
        '888f4f5adc6e3a50d8f8ddefff771dfaedd291aebd472e9a167c77c1af17acb2',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_create.sql:1
    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_create.sql:1
    op.drop_table('tasks')
    # ### end legacy2alembic commands ###
