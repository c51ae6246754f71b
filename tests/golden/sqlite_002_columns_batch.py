"""002 columns

Revision ID: 2b3c4d5e6f70
Revises: 1a2b3c4d5e6f
Legacy sources:
    migrate_002_columns.py
        sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '2b3c4d5e6f70'
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    ('migrate_002_columns.py', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    with op.batch_alter_table('users', schema=None) as batch_op:
        # migrate_002_columns.py:8
        batch_op.add_column(
            sa.Column('age', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
        # migrate_002_columns.py:9
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_users_team', 'orgs', ['team_id'], ['id'])
        # migrate_002_columns.py:12
        batch_op.drop_column('nickname')
        # migrate_002_columns.py:14
        batch_op.alter_column(
            'name', existing_type=sa.String(length=100), type_=sa.String(length=200), nullable=False
        )
        # migrate_002_columns.py:15
        batch_op.alter_column(
            'email',
            new_column_name='email_address',
            existing_type=sa.String(length=200),
            existing_nullable=False,
        )
    # migrate_002_columns.py:17
    op.execute(sa.text("UPDATE users SET age = 42 WHERE name LIKE 'A%'"))
    # migrate_002_columns.py:18
    op.create_index('ix_users_age', 'users', ['age'], unique=False)
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    op.drop_index('ix_users_age', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column(
            'email_address',
            new_column_name='email',
            existing_type=sa.String(length=200),
            existing_nullable=False,
        )
        batch_op.alter_column(
            'name', existing_type=sa.String(length=200), type_=sa.String(length=100), nullable=True
        )
        batch_op.add_column(
            sa.Column(
                'nickname', sa.String(length=50), server_default=sa.text("'\\:none'"), nullable=True
            ),
        )
    # legacy2alembic: cannot downgrade: the values of users.nickname dropped by
    # migrate_002_columns.py:12 are not restored
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('fk_users_team', type_='foreignkey')
        batch_op.drop_column('team_id')
        batch_op.drop_column('age')
    # ### end legacy2alembic commands ###
