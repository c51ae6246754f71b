"""002 constraints

Revision ID: 5e6f708192a3
Revises: 4d5e6f708192
Legacy sources:
    migrate_002_constraints.py
        sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5e6f708192a3'
down_revision = '4d5e6f708192'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrate_002_constraints.py',
        'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrate_002_constraints.py:3
    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=True),
        sa.Column('label', sa.String(length=40), nullable=False),
    )
    # migrate_002_constraints.py:4
    op.create_primary_key('pk_tags', 'tags', ['id'])
    # migrate_002_constraints.py:5
    op.create_foreign_key(
        'fk_tags_event',
        'tags',
        'events',
        ['event_id'],
        ['id'],
        ondelete='SET NULL',
        deferrable=True,
        initially='DEFERRED',
    )
    # migrate_002_constraints.py:6
    op.create_unique_constraint('uq_tags_label', 'tags', ['label'])
    # migrate_002_constraints.py:7
    op.create_check_constraint(
        'ck_tags_label', 'tags', "label <> '\\:empty' AND label NOT LIKE '%!'"
    )
    # migrate_002_constraints.py:8
    op.rename_table('tags', 'event_tags')
    with op.get_context().autocommit_block():
        # migrate_002_constraints.py:9
        op.execute(
            sa.text('CREATE INDEX CONCURRENTLY ix_event_tags_label ON event_tags (lower(label))')
        )
        # migrate_002_constraints.py:10
        op.execute(sa.text('VACUUM ANALYZE event_tags'))
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    with op.get_context().autocommit_block():
        op.execute(sa.text('DROP INDEX CONCURRENTLY ix_event_tags_label'))
    op.rename_table('event_tags', 'tags')
    op.drop_constraint('ck_tags_label', 'tags', type_='check')
    op.drop_constraint('uq_tags_label', 'tags', type_='unique')
    op.drop_constraint('fk_tags_event', 'tags', type_='foreignkey')
    op.drop_constraint('pk_tags', 'tags', type_='primary')
    op.drop_table('tags')
    # ### end legacy2alembic commands ###
