"""Legacy migrations_manual_sql/001_members.sql

Revision ID: c802fb69ad73
Revises:
Legacy sources:
    migrations_manual_sql/001_members.sql
        sha256:6d20d77d971c34656e7db97e714f91f3ace1725a26d67c7c95383522bd42d1b0

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c802fb69ad73'
down_revision = None
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/001_members.sql',
        '6d20d77d971c34656e7db97e714f91f3ace1725a26d67c7c95383522bd42d1b0',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_members.sql:1
    op.create_table(
        'members',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            'nick',
            sa.String(length=50),
            server_default=sa.text("''"),
            nullable=False,
            comment='login name',
        ),
        sa.Column('seen_at', sa.DateTime(), nullable=True),
        sa.Column('bio', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        mysql_engine='InnoDB',
    )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/001_members.sql:1
    op.drop_table('members')
    # ### end legacy2alembic commands ###
