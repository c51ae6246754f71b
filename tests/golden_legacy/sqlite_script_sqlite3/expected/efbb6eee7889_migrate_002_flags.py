"""Legacy migrate_002_flags.py

Revision ID: efbb6eee7889
Revises: c03ac6f3e669
Legacy sources:
    migrate_002_flags.py
        sha256:4c3654fb98838a94b0efd6b78da320e543391f1518fd2fd1a73f04f14a476b06

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'efbb6eee7889'
down_revision = 'c03ac6f3e669'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    ('migrate_002_flags.py', '4c3654fb98838a94b0efd6b78da320e543391f1518fd2fd1a73f04f14a476b06'),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_002_flags.py:16
    op.execute(sa.text('ALTER TABLE tasks ADD COLUMN archived BOOLEAN NOT NULL DEFAULT 0'))
    # migrate_002_flags.py:16
    op.execute(sa.text('ALTER TABLE tasks ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT 0'))
    # migrate_002_flags.py:17
    op.execute(sa.text("UPDATE tasks SET pinned = 1 WHERE title LIKE '!%'"))
    # migrate_002_flags.py:20
    op.create_index('ix_tasks_archived', 'tasks', ['archived'], unique=False)
    # migrate_002_flags.py:21
    op.execute(sa.text("INSERT INTO tasks (title) VALUES ('welcome')"))
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_002_flags.py:21
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    # migrate_002_flags.py:20
    op.drop_index('ix_tasks_archived', table_name='tasks')
    # migrate_002_flags.py:17
    # legacy2alembic: cannot downgrade: data change; the previous values are not kept
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        # migrate_002_flags.py:16
        batch_op.drop_column('pinned')
        # migrate_002_flags.py:16
        batch_op.drop_column('archived')
    # ### end legacy2alembic commands ###
