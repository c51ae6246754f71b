"""Legacy migrations_manual_sql/001_create.sql

Revision ID: 7cecb823ce68
Revises:
Legacy sources:
    migrations_manual_sql/001_create.sql
        sha256:687c5ef58d90e96664822206ada54baa3ebd0aee464c22896265da864939d655

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7cecb823ce68'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_create.sql',
        '687c5ef58d90e96664822206ada54baa3ebd0aee464c22896265da864939d655',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_create.sql:1
    op.create_table(
        'projects',
        sa.Column('id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrations_manual_sql/001_create.sql:5
    op.execute(sa.text("INSERT INTO projects (id, name) VALUES (1, 'Acme Launch')"))
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_create.sql:5
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrations_manual_sql/001_create.sql:1
    op.drop_table('projects')
    # ### end legacy2alembic commands ###
