"""Legacy migrations_manual_sql/002_columns_indexes.sql

Revision ID: 9cc82200f619
Revises: c651b105de8a
Legacy sources:
    migrations_manual_sql/002_columns_indexes.sql
        sha256:d7c56242e59c9099f558691d52f925a3316b48e2336944e2cdcd73acf2164fd0

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9cc82200f619'
down_revision = 'c651b105de8a'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/002_columns_indexes.sql',
        'd7c56242e59c9099f558691d52f925a3316b48e2336944e2cdcd73acf2164fd0',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_columns_indexes.sql:1
    op.execute(sa.text('ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 2'))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        # migrations_manual_sql/002_columns_indexes.sql:2
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        # migrations_manual_sql/002_columns_indexes.sql:3
        batch_op.alter_column(
            'notes', new_column_name='body', existing_type=sa.Text(), existing_nullable=True
        )
    # migrations_manual_sql/002_columns_indexes.sql:4
    op.create_index('ix_tasks_priority', 'tasks', ['priority'], unique=False)
    # migrations_manual_sql/002_columns_indexes.sql:5
    op.create_index('ix_tasks_title', 'tasks', ['title'], unique=True)
    # migrations_manual_sql/002_columns_indexes.sql:6
    op.create_index(
        'ix_tasks_open', 'tasks', ['due_on'], unique=False, sqlite_where=sa.text('priority < 3')
    )
    # migrations_manual_sql/002_columns_indexes.sql:7
    op.drop_index('ix_tasks_title', table_name='tasks')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        # migrations_manual_sql/002_columns_indexes.sql:8
        batch_op.drop_column('body')
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        # migrations_manual_sql/002_columns_indexes.sql:8
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
    # migrations_manual_sql/002_columns_indexes.sql:7
    op.create_index('ix_tasks_title', 'tasks', ['title'], unique=True)
    # migrations_manual_sql/002_columns_indexes.sql:6
    op.drop_index('ix_tasks_open', table_name='tasks')
    # migrations_manual_sql/002_columns_indexes.sql:5
    op.drop_index('ix_tasks_title', table_name='tasks')
    # migrations_manual_sql/002_columns_indexes.sql:4
    op.drop_index('ix_tasks_priority', table_name='tasks')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        # migrations_manual_sql/002_columns_indexes.sql:3
        batch_op.alter_column(
            'body', new_column_name='notes', existing_type=sa.Text(), existing_nullable=True
        )
        # migrations_manual_sql/002_columns_indexes.sql:2
        batch_op.drop_column('due_on')
        # migrations_manual_sql/002_columns_indexes.sql:1
        batch_op.drop_column('priority')
    # ### end legacy2alembic commands ###
