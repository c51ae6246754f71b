"""Legacy migrations_manual_sql/001_events.sql

Revision ID: 5f3116501416
Revises:
Legacy sources:
    migrations_manual_sql/001_events.sql
        sha256:ccf37e85f6f64af8a60de164737b0874cb235660c777bb65ab9764ad66a77eab

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '5f3116501416'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_events.sql',
        'ccf37e85f6f64af8a60de164737b0874cb235660c777bb65ab9764ad66a77eab',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_events.sql:1
    op.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pgcrypto'))
    # migrations_manual_sql/001_events.sql:2
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
            postgresql.ENUM(name='mood', create_type=False),
            server_default=sa.text("'happy'"),
            nullable=True,
        ),
        sa.Column(
            'created_at',
            sa.DateTime(timezone=True),
            server_default=sa.text('now()'),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    # migrations_manual_sql/001_events.sql:9
    op.execute(sa.text("COMMENT ON COLUMN events.payload IS 'raw webhook body'"))
    # migrations_manual_sql/001_events.sql:10
    op.execute(
        sa.text("CREATE VIEW happy_events AS SELECT id, payload FROM events WHERE mood = 'happy'")
    )
    # migrations_manual_sql/001_events.sql:11
    op.execute(
        sa.text("""\
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now();
    RETURN NEW;
END
$$""")
    )
    # migrations_manual_sql/001_events.sql:17
    op.execute(
        sa.text('CREATE TRIGGER events_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch()'),
    )
    with op.get_context().autocommit_block():
        # migrations_manual_sql/001_events.sql:23
        op.create_index(
            'ix_events_payload',
            'events',
            ['payload'],
            unique=False,
            postgresql_using='gin',
            postgresql_concurrently=True,
        )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    with op.get_context().autocommit_block():
        # migrations_manual_sql/001_events.sql:23
        op.drop_index('ix_events_payload', table_name='events', postgresql_concurrently=True)
    # migrations_manual_sql/001_events.sql:17
    op.execute(sa.text('DROP TRIGGER events_touch ON events'))
    # migrations_manual_sql/001_events.sql:11
    op.execute(sa.text('DROP FUNCTION touch()'))
    # migrations_manual_sql/001_events.sql:10
    op.execute(sa.text('DROP VIEW happy_events'))
    # migrations_manual_sql/001_events.sql:9
    op.execute(sa.text('COMMENT ON COLUMN events.payload IS NULL'))
    # migrations_manual_sql/001_events.sql:3
    op.drop_table('events')
    # migrations_manual_sql/001_events.sql:2
    postgresql.ENUM(name='mood').drop(op.get_bind())
    # migrations_manual_sql/001_events.sql:1
    op.execute(sa.text('DROP EXTENSION IF EXISTS pgcrypto'))
    # ### end legacy2alembic commands ###
