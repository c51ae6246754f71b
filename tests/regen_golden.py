"""Golden revisions: hand-built Revisions and the files they render to (tests/golden/*.py).

Run `python tests/regen_golden.py` after an intended change of the output and review the diff;
the expected files are never edited by hand. test_render.py compares, compiles and runs them.
Each chain is a revision history that test_render.py applies for real (upgrade, downgrade).
"""

from __future__ import annotations

import sys
from pathlib import Path

from converter.core.diagnostics import Origin
from converter.ir import ops as o
from converter.ir.revision import Revision, SourceRef
from converter.render.file import render_revision

GOLDEN = Path(__file__).resolve().parent / "golden"

INT = o.TypeSpec("Integer")
TEXT = o.TypeSpec("Text")
JSONB = o.TypeSpec("JSONB", "postgresql")
TIMESTAMP = o.TypeSpec("DateTime", kwargs=(("timezone", True),))
MOOD = o.TypeSpec(
    "ENUM", "postgresql", ("happy", "sad"), (("name", "mood"), ("create_type", False))
)


def _str(length: int) -> o.TypeSpec:
    return o.TypeSpec("String", kwargs=(("length", length),))


def _at(path: str, line: int) -> dict[str, Origin]:
    return {"origin": Origin(path, line)}


def _src(path: str, digit: str) -> tuple[SourceRef, ...]:
    return (SourceRef(path, digit * 64),)


# ---- SQLite chain ------------------------------------------------------------------------------

S1 = "migrations_manual_sql/001_init.sql"
SQLITE_CREATE = Revision(
    id="1a2b3c4d5e6f",
    down_revision=None,
    message="001 init",
    slug="001_init",
    sources=_src(S1, "a"),
    create_date="2023-01-05 10:00:00+01:00",
    upgrade=(
        o.CreateTable(
            "orgs",
            (
                o.ColumnDef("id", INT, nullable=False, primary_key=True, autoincrement=True),
                o.ColumnDef("name", _str(100), nullable=False),
            ),
            (o.Unique(("name",), name="uq_orgs_name"),),
            dialect_kwargs=(("sqlite_autoincrement", True),),
            **_at(S1, 1),
        ),
        o.CreateTable(
            "users",
            (
                o.ColumnDef("id", INT, nullable=False),
                o.ColumnDef("org_id", INT),
                o.ColumnDef("email", _str(200), nullable=False),
                o.ColumnDef("name", _str(100)),
                o.ColumnDef("nickname", _str(50), server_default="':none'"),
                o.ColumnDef("status", _str(20), nullable=False, server_default="'new'"),
            ),
            (
                o.PrimaryKey(("id",), name="pk_users"),
                o.ForeignKey(("org_id",), "orgs", ("id",), name="fk_users_org", ondelete="CASCADE"),
                o.Unique(("email",)),
                o.Check("status IN ('new', 'active', '100%')", name="ck_users_status"),
            ),
            **_at(S1, 6),
        ),
        o.CreateIndex(
            "ix_users_active",
            "users",
            (o.IndexElement("org_id"),),
            where="status = 'active'",
            **_at(S1, 18),
        ),
        o.ExecuteSQL(
            "INSERT INTO orgs (id, name) VALUES (1, 'acme:corp 100%')", kind="data", **_at(S1, 20)
        ),
        o.ExecuteSQL(
            "INSERT INTO users (id, org_id, email, name)\nVALUES (1, 1, 'a@x.org', 'Ann')",
            kind="data",
            **_at(S1, 21),
        ),
    ),
    downgrade=(
        o.DropIndex("ix_users_active", "users"),
        o.DropTable("users"),
        o.DropTable("orgs"),
    ),
)

S2 = "migrate_002_columns.py"
NAME_BEFORE = o.ColumnDef("name", _str(100))
SQLITE_COLUMNS = Revision(
    id="2b3c4d5e6f70",
    down_revision="1a2b3c4d5e6f",
    message="002 columns",
    slug="migrate_002_columns",
    sources=_src(S2, "b"),
    upgrade=(
        o.AddColumn(
            "users", o.ColumnDef("age", INT, nullable=False, server_default="0"), **_at(S2, 8)
        ),
        o.AddColumn(
            "users",
            o.ColumnDef("team_id", INT),
            (o.ForeignKey(("team_id",), "orgs", ("id",), name="fk_users_team"),),
            **_at(S2, 9),
        ),
        o.DropColumn("users", "nickname", **_at(S2, 12)),
        o.AlterColumn(
            "users", "name", type=_str(200), nullable=False, existing=NAME_BEFORE, **_at(S2, 14)
        ),
        o.RenameColumn(
            "users",
            "email",
            "email_address",
            existing=o.ColumnDef("email", _str(200), nullable=False),
            **_at(S2, 15),
        ),
        o.ExecuteSQL("UPDATE users SET age = 42 WHERE name LIKE 'A%'", kind="data", **_at(S2, 17)),
        o.CreateIndex("ix_users_age", "users", (o.IndexElement("age"),), **_at(S2, 18)),
    ),
    downgrade=(
        o.DropIndex("ix_users_age", "users"),
        o.RenameColumn(
            "users",
            "email_address",
            "email",
            existing=o.ColumnDef("email_address", _str(200), nullable=False),
        ),
        o.AlterColumn(
            "users",
            "name",
            type=_str(100),
            nullable=True,
            existing=o.ColumnDef("name", _str(200), nullable=False),
        ),
        o.AddColumn("users", o.ColumnDef("nickname", _str(50), server_default="':none'")),
        o.Irreversible(
            "the values of users.nickname dropped by migrate_002_columns.py:12 are not restored"
        ),
        o.DropConstraint("users", "fk_users_team", kind="foreignkey"),
        o.DropColumn("users", "team_id"),
        o.DropColumn("users", "age"),
    ),
)

S3 = "migrate_003_rebuild.py"
ORGS_NEW = o.CreateTable(
    "orgs_new",
    (
        o.ColumnDef("id", INT, nullable=False, primary_key=True),
        o.ColumnDef("name", _str(100), nullable=False),
        o.ColumnDef("slug", _str(100), nullable=False, server_default="''"),
    ),
    **_at(S3, 5),
)
SQLITE_REWRITE = Revision(
    id="3c4d5e6f7081",
    down_revision="2b3c4d5e6f70",
    message="003 rebuild orgs",
    slug="migrate_003_rebuild",
    sources=_src(S3, "c"),
    upgrade=(
        o.RewriteTable(
            "orgs",
            "orgs_new",
            ORGS_NEW,
            (
                ORGS_NEW,
                o.ExecuteSQL(
                    "INSERT INTO orgs_new (id, name, slug)\n"
                    "SELECT id, name, lower(replace(name, ' ', '-')) FROM orgs",
                    kind="data",
                    **_at(S3, 11),
                ),
                o.DropTable("orgs", **_at(S3, 13)),
                o.RenameTable("orgs_new", "orgs", **_at(S3, 14)),
            ),
            **_at(S3, 5),
        ),
        # After the batch recreate of 002: SQLite cannot reflect expression indexes.
        o.CreateIndex(
            "ix_users_email_lower",
            "users",
            (o.IndexElement("lower(email_address)", True),),
            unique=True,
            **_at(S3, 17),
        ),
        o.ManualTodo(
            'for t in TABLES:\n    cur.execute(f"VACUUM {t}")  # noqa\n',
            "loop over a list that is not literal",
            **_at(S3, 20),
        ),
    ),
    downgrade=(
        o.DropIndex("ix_users_email_lower", "users"),
        o.Irreversible("the legacy rebuild of orgs cannot be undone automatically"),
        o.ManualTodo(
            "cur.execute(restore_sql)", "restore_sql is computed at run time", **_at(S3, 22)
        ),
    ),
)

# ---- PostgreSQL chain --------------------------------------------------------------------------

P1 = "migrations_manual_sql/001_events.sql"
PG_TYPES = Revision(
    id="4d5e6f708192",
    down_revision=None,
    message="001 events",
    slug="001_events",
    sources=_src(P1, "d") + (SourceRef("migrations_manual_sql/001b_seed.sql", "e" * 64),),
    create_date="2024-03-01 09:30:00+00:00",
    upgrade=(
        o.CreateEnum("mood", ("happy", "sad"), **_at(P1, 1)),
        o.CreateTable(
            "events",
            (
                o.ColumnDef(
                    "id",
                    o.TypeSpec("BigInteger"),
                    nullable=False,
                    primary_key=True,
                    identity="by default",
                ),
                o.ColumnDef("payload", JSONB, nullable=False, server_default="'{}'::jsonb"),
                o.ColumnDef("mood", MOOD, server_default="'happy'::mood"),
                o.ColumnDef("amount", TEXT, comment="cents: 100% = 1.00"),
                o.ColumnDef("created_at", TIMESTAMP, nullable=False, server_default="now()"),
            ),
            **_at(P1, 3),
        ),
        o.ExecuteSQL(
            "INSERT INTO events (payload, amount)\n"
            'VALUES (\'{"a": ":b", "p": "100%"}\'::jsonb, \'12\')',
            kind="data",
            tables=("events",),
            **_at(P1, 10),
        ),
        o.ExecuteSQL(
            "DO $$\nDECLARE\n    n integer := 0;\nBEGIN\n"
            "    SELECT count(*) INTO n FROM events;\n"
            "    RAISE NOTICE 'events: %', n;\nEND\n$$",
            **_at(P1, 12),
        ),
        o.ExecuteSQL(
            "UPDATE events SET amount = (amount::integer * 100)::text,\n"
            "    payload = payload || jsonb_build_object('note', E'tab\\there :x')\n"
            "WHERE mood = 'happy'::mood",
            kind="data",
            tables=("events",),
            **_at(P1, 20),
        ),
        o.AlterColumn(
            "events",
            "amount",
            type=INT,
            using="amount::integer % 100000",
            existing=o.ColumnDef("amount", TEXT, comment="cents: 100% = 1.00"),
            **_at(P1, 24),
        ),
        o.CreateIndex(
            "ix_events_payload",
            "events",
            (o.IndexElement("payload"),),
            where="mood = 'happy'::mood",
            method="gin",
            concurrently=True,
            **_at(P1, 26),
        ),
    ),
    downgrade=(
        o.DropIndex("ix_events_payload", "events", concurrently=True),
        o.AlterColumn(
            "events",
            "amount",
            type=TEXT,
            using="amount::text",
            existing=o.ColumnDef("amount", INT, comment="cents: 100% = 1.00"),
        ),
        o.Irreversible("UPDATE events at migrations_manual_sql/001_events.sql:20 changed data"),
        o.DropTable("events"),
        o.DropEnum("mood"),
    ),
)

P2 = "migrate_002_constraints.py"
PG_CONSTRAINTS = Revision(
    id="5e6f708192a3",
    down_revision="4d5e6f708192",
    message="002 constraints",
    slug="migrate_002_constraints",
    sources=_src(P2, "f"),
    upgrade=(
        o.CreateTable(
            "tags",
            (
                o.ColumnDef("id", INT, nullable=False),
                o.ColumnDef("event_id", o.TypeSpec("BigInteger")),
                o.ColumnDef("label", _str(40), nullable=False),
            ),
            **_at(P2, 3),
        ),
        o.AddConstraint("tags", o.PrimaryKey(("id",), name="pk_tags"), **_at(P2, 4)),
        o.AddConstraint(
            "tags",
            o.ForeignKey(
                ("event_id",),
                "events",
                ("id",),
                name="fk_tags_event",
                ondelete="SET NULL",
                deferrable=True,
                initially="DEFERRED",
            ),
            **_at(P2, 5),
        ),
        o.AddConstraint("tags", o.Unique(("label",), name="uq_tags_label"), **_at(P2, 6)),
        o.AddConstraint(
            "tags",
            o.Check("label <> ':empty' AND label NOT LIKE '%!'", name="ck_tags_label"),
            **_at(P2, 7),
        ),
        o.RenameTable("tags", "event_tags", **_at(P2, 8)),
        o.ExecuteSQL(
            "CREATE INDEX CONCURRENTLY ix_event_tags_label ON event_tags (lower(label))",
            autocommit=True,
            **_at(P2, 9),
        ),
        o.ExecuteSQL("VACUUM ANALYZE event_tags", autocommit=True, **_at(P2, 10)),
    ),
    downgrade=(
        o.ExecuteSQL("DROP INDEX CONCURRENTLY ix_event_tags_label", autocommit=True),
        o.RenameTable("event_tags", "tags"),
        o.DropConstraint("tags", "ck_tags_label", kind="check"),
        o.DropConstraint("tags", "uq_tags_label", kind="unique"),
        o.DropConstraint("tags", "fk_tags_event", kind="foreignkey"),
        o.DropConstraint("tags", "pk_tags", kind="primary"),
        o.DropTable("tags"),
    ),
)

# name -> (revision, dialect); chains list the names in history order.
CASES: dict[str, tuple[Revision, str]] = {
    "sqlite_001_create_tables": (SQLITE_CREATE, "sqlite"),
    "sqlite_002_columns_batch": (SQLITE_COLUMNS, "sqlite"),
    "sqlite_003_rewrite_todo": (SQLITE_REWRITE, "sqlite"),
    "pg_001_enum_jsonb_data": (PG_TYPES, "postgresql"),
    "pg_002_constraints_autocommit": (PG_CONSTRAINTS, "postgresql"),
}
CHAINS: dict[str, list[str]] = {
    "sqlite": ["sqlite_001_create_tables", "sqlite_002_columns_batch", "sqlite_003_rewrite_todo"],
    "postgresql": ["pg_001_enum_jsonb_data", "pg_002_constraints_autocommit"],
}


def rendered() -> dict[str, str]:
    """Case name -> rendered revision text."""
    return {name: render_revision(rev, dialect) for name, (rev, dialect) in CASES.items()}


def main() -> int:
    GOLDEN.mkdir(exist_ok=True)
    for old in GOLDEN.glob("*.py"):
        old.unlink()
    for name, text in rendered().items():
        (GOLDEN / f"{name}.py").write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {GOLDEN / name}.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
