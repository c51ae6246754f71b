"""001 events

Revision ID: 4d5e6f708192
Revises:
Create Date: 2024-03-01 09:30:00+00:00
Legacy sources:
    migrations_manual_sql/001_events.sql
        sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
    migrations_manual_sql/001b_seed.sql
        sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '4d5e6f708192'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_events.sql',
        'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd',
    ),
    (
        'migrations_manual_sql/001b_seed.sql',
        'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_events.sql:1
    postgresql.ENUM('happy', 'sad', name='mood').create(op.get_bind())
    # migrations_manual_sql/001_events.sql:3
    op.create_table(
        'events',
        sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column(
            'payload', postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            'mood',
            postgresql.ENUM('happy', 'sad', name='mood', create_type=False),
            server_default=sa.text("'happy'::mood"),
            nullable=True,
        ),
        sa.Column('amount', sa.Text(), nullable=True, comment='cents: 100% = 1.00'),
        sa.Column(
            'created_at',
            sa.DateTime(timezone=True),
            server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrations_manual_sql/001_events.sql:10
    op.execute(
        sa.text(r"""INSERT INTO events (payload, amount)
VALUES ('{"a": "\:b", "p": "100%"}'::jsonb, '12')""")
    )
    # migrations_manual_sql/001_events.sql:12
    op.execute(
        sa.text("""\
DO $$
DECLARE
    n integer := 0;
BEGIN
    SELECT count(*) INTO n FROM events;
    RAISE NOTICE 'events: %', n;
END
$$""")
    )
    # migrations_manual_sql/001_events.sql:20
    op.execute(
        sa.text(r"""UPDATE events SET amount = (amount::integer * 100)::text,
    payload = payload || jsonb_build_object('note', E'tab\there \:x')
WHERE mood = 'happy'::mood""")
    )
    # migrations_manual_sql/001_events.sql:24
    op.alter_column(
        'events',
        'amount',
        existing_type=sa.Text(),
        type_=sa.Integer(),
        existing_nullable=True,
        existing_comment='cents: 100% = 1.00',
        postgresql_using='amount::integer %% 100000',
    )
    with op.get_context().autocommit_block():
        # migrations_manual_sql/001_events.sql:26
        op.create_index(
            'ix_events_payload',
            'events',
            ['payload'],
            unique=False,
            postgresql_using='gin',
            postgresql_where=sa.text("mood = 'happy'::mood"),
            postgresql_concurrently=True,
        )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    with op.get_context().autocommit_block():
        op.drop_index('ix_events_payload', table_name='events', postgresql_concurrently=True)
    op.alter_column(
        'events',
        'amount',
        existing_type=sa.Integer(),
        type_=sa.Text(),
        existing_nullable=True,
        existing_comment='cents: 100% = 1.00',
        postgresql_using='amount::text',
    )
    # legacy2alembic: cannot downgrade: UPDATE events at migrations_manual_sql/001_events.sql:20
    # changed data
    op.drop_table('events')
    postgresql.ENUM(name='mood').drop(op.get_bind())
    # ### end legacy2alembic commands ###
