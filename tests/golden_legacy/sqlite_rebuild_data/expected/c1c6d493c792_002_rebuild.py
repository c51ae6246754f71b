"""Legacy migrations_manual_sql/002_rebuild.sql

Revision ID: c1c6d493c792
Revises: 7cecb823ce68
Legacy sources:
    migrations_manual_sql/002_rebuild.sql
        sha256:c01e26c9ee75734a30cb34066e8b0c277cd2f623ca852047455cc273a3d9c46a

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c1c6d493c792'
down_revision = '7cecb823ce68'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/002_rebuild.sql',
        'c01e26c9ee75734a30cb34066e8b0c277cd2f623ca852047455cc273a3d9c46a',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_rebuild.sql:4
    # legacy2alembic: table 'projects' rebuilt through 'projects_new', step by step:
    # migrations_manual_sql/002_rebuild.sql:4
    op.create_table(
        'projects_new',
        sa.Column('id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('slug', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrations_manual_sql/002_rebuild.sql:9
    op.execute(
        sa.text("""\
INSERT INTO projects_new (id, name, slug)
SELECT id, name, lower(replace(name, ' ', '-')) FROM projects""")
    )
    # migrations_manual_sql/002_rebuild.sql:11
    op.drop_table('projects')
    # migrations_manual_sql/002_rebuild.sql:12
    op.rename_table('projects_new', 'projects')
    # migrations_manual_sql/002_rebuild.sql:15
    op.execute(sa.text("UPDATE projects SET name = trim(name) WHERE name LIKE ' %'"))
    # migrations_manual_sql/002_rebuild.sql:16
    op.execute(sa.text("DELETE FROM projects WHERE slug = ''"))
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_rebuild.sql:16
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrations_manual_sql/002_rebuild.sql:15
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrations_manual_sql/002_rebuild.sql:4
    # legacy2alembic: table 'projects' rebuilt through '_l2a_projects_old', step by step:
    # migrations_manual_sql/002_rebuild.sql:4
    op.create_table(
        '_l2a_projects_old',
        sa.Column('id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrations_manual_sql/002_rebuild.sql:4
    op.execute(
        sa.text('INSERT INTO "_l2a_projects_old" ("id", "name") SELECT "id", "name" FROM "projects"'),
    )
    # migrations_manual_sql/002_rebuild.sql:4
    op.drop_table('projects')
    # migrations_manual_sql/002_rebuild.sql:4
    op.rename_table('_l2a_projects_old', 'projects')
    # ### end legacy2alembic commands ###
