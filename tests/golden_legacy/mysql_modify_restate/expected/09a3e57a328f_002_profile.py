"""Legacy migrations_manual_sql/002_profile.sql

Revision ID: 09a3e57a328f
Revises: c802fb69ad73
Legacy sources:
    migrations_manual_sql/002_profile.sql
        sha256:034e5898dd1b9fa25344ffcbda9f2453fdfc8807c6bf6d96f0871c3811d662c2

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '09a3e57a328f'
down_revision = 'c802fb69ad73'
branch_labels = None
depends_on = None

# The legacy sources this revision was converted from: (path, sha256).
legacy_sources = (
    (
        'migrations_manual_sql/002_profile.sql',
        '034e5898dd1b9fa25344ffcbda9f2453fdfc8807c6bf6d96f0871c3811d662c2',
    ),
)


def upgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_profile.sql:1
    op.execute(
        sa.text("ALTER TABLE members MODIFY bio TEXT NULL COMMENT 'shown on the profile' AFTER id")
    )
    # migrations_manual_sql/002_profile.sql:2
    op.execute(
        sa.text('ALTER TABLE members MODIFY seen_at TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP'),
    )
    # migrations_manual_sql/002_profile.sql:3
    op.execute(
        sa.text("ALTER TABLE members CHANGE nick handle VARCHAR(80) NOT NULL COMMENT 'public handle'"),
    )
    # migrations_manual_sql/002_profile.sql:4
    op.alter_column(
        'members',
        'handle',
        existing_type=sa.String(length=80),
        server_default=None,
        type_=sa.String(length=80),
        nullable=False,
        comment=None,
        existing_comment='public handle',
    )
    # ### end legacy2alembic commands ###


def downgrade():
    # ### commands converted by legacy2alembic ###
    # migrations_manual_sql/002_profile.sql:4
    op.alter_column(
        'members',
        'handle',
        existing_type=sa.String(length=80),
        server_default=None,
        type_=sa.String(length=80),
        nullable=False,
        comment='public handle',
    )
    # migrations_manual_sql/002_profile.sql:3
    op.execute(
        sa.text("ALTER TABLE `members` CHANGE COLUMN `handle` `nick` VARCHAR(50) NOT NULL DEFAULT '' COMMENT 'login name'"),
    )
    # migrations_manual_sql/002_profile.sql:2
    op.execute(sa.text('ALTER TABLE `members` MODIFY COLUMN `seen_at` DATETIME NULL'))
    # migrations_manual_sql/002_profile.sql:1
    op.execute(
        sa.text('ALTER TABLE `members` MODIFY COLUMN `bio` VARCHAR(200) NULL AFTER `seen_at`')
    )
    # ### end legacy2alembic commands ###
