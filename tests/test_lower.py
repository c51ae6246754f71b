"""One small test per SQL form: the statement, its dialect, the exact ops (or exact SQL) expected.

Data and ignored statements are listed one a line in tests/fixtures_sql/.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.ir.ops import (
    UNSET,
    AddColumn,
    AddConstraint,
    AlterColumn,
    Check,
    ColumnDef,
    ConvertCharset,
    CreateEnum,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropEnum,
    DropIndex,
    DropTable,
    ExecuteSQL,
    ForeignKey,
    IndexElement,
    ObjectRef,
    Op,
    Position,
    PrimaryKey,
    RenameColumn,
    RenameTable,
    RestateColumn,
    TypeSpec,
    Unique,
)
from converter.ir.statements import Statement
from converter.lower.dispatch import Ignored, lower
from converter.parse import parse_statement

FIXTURES = Path(__file__).parent / "fixtures_sql"
ORIGIN = Origin("migrations_manual_sql/001.sql", 7)


def run(sql: str, dialect: str) -> tuple[list[Op] | Ignored, Diagnostics]:
    stmt = Statement(sql, ORIGIN)
    diags = Diagnostics()
    result = lower(stmt, parse_statement(stmt, dialect), dialect, diags)
    return result, diags


def ops_of(sql: str, dialect: str) -> list[Op]:
    """The ops without their origin (checked once, below) and without the statement they keep
    (the input itself, checked in test_ops_keep_the_statement...); no diagnostics expected."""
    result, diags = run(sql, dialect)
    assert not isinstance(result, Ignored), result
    assert diags.items == []
    for op in result:
        assert op.statement in (None, sql)
    return [dataclasses.replace(op, origin=Origin(""), statement=None) for op in result]


def sa(type_name: str, **kwargs: object) -> TypeSpec:
    return TypeSpec(type_name, "sa", (), tuple(kwargs.items()))  # type: ignore[arg-type]


def pg(type_name: str, *args: object, **kwargs: object) -> TypeSpec:
    return TypeSpec(type_name, "postgresql", args, tuple(kwargs.items()))  # type: ignore[arg-type]


def my(type_name: str, *args: object, **kwargs: object) -> TypeSpec:
    return TypeSpec(type_name, "mysql", args, tuple(kwargs.items()))  # type: ignore[arg-type]


INT, TEXT = sa("Integer"), sa("Text")


# ---- CREATE TABLE --------------------------------------------------------------------------------

CREATE_TABLE = [
    pytest.param(
        "postgres",
        'CREATE TABLE IF NOT EXISTS "user" (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL)',
        CreateTable(
            "user",
            (
                ColumnDef("id", INT, nullable=False, primary_key=True, autoincrement=True),
                ColumnDef("name", sa("String", length=50), nullable=False),
            ),
            guard="sql",
        ),
        id="pg-serial-reserved-word",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE docs (data JSONB NOT NULL DEFAULT '{}'::jsonb, tags text[] DEFAULT '{}', "
        "created timestamptz DEFAULT now())",
        CreateTable(
            "docs",
            (
                ColumnDef("data", pg("JSONB"), nullable=False, server_default="'{}'::jsonb"),
                ColumnDef("tags", pg("ARRAY", TEXT), server_default="'{}'"),
                ColumnDef("created", sa("DateTime", timezone=True), server_default="now()"),
            ),
        ),
        id="pg-jsonb-default-exact",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))",
        CreateTable(
            "t",
            (
                ColumnDef("a", INT, nullable=False, primary_key=True),
                ColumnDef("b", INT, nullable=False, primary_key=True),
            ),
            (PrimaryKey(("a", "b")),),
        ),
        id="pg-composite-pk",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, user_id INTEGER NOT NULL "
        "REFERENCES users(id) ON DELETE CASCADE)",
        CreateTable(
            "orders",
            (
                ColumnDef(
                    "id", sa("BigInteger"), nullable=False, primary_key=True, autoincrement=True
                ),
                ColumnDef("user_id", INT, nullable=False),
            ),
            (ForeignKey(("user_id",), "users", ("id",), ondelete="CASCADE"),),
        ),
        id="pg-inline-fk-on-delete-cascade",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE m (a int, b int, CONSTRAINT m_fk FOREIGN KEY (a, b) REFERENCES s.p (x, y) "
        "ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED)",
        CreateTable(
            "m",
            (ColumnDef("a", INT), ColumnDef("b", INT)),
            (
                ForeignKey(
                    ("a", "b"),
                    "p",
                    ("x", "y"),
                    name="m_fk",
                    onupdate="SET NULL",
                    deferrable=True,
                    initially="DEFERRED",
                    ref_schema="s",
                ),
            ),
        ),
        id="pg-table-fk-deferrable",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE c (n int CONSTRAINT n_pos CHECK (n > 0) UNIQUE, m int, "
        "CONSTRAINT c_uq UNIQUE (n, m), CHECK (m <> n))",
        CreateTable(
            "c",
            (ColumnDef("n", INT), ColumnDef("m", INT)),
            (
                Check("n > 0", name="n_pos"),
                Unique(("n",)),
                Unique(("n", "m"), name="c_uq"),
                Check("m <> n"),
            ),
        ),
        id="pg-unique-check-inline-and-table",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE k (id integer CONSTRAINT k_pkey PRIMARY KEY)",
        CreateTable(
            "k",
            (ColumnDef("id", INT, nullable=False, primary_key=True, autoincrement=False),),
            (PrimaryKey(("id",), name="k_pkey"),),
        ),
        id="pg-named-inline-pk-no-serial",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE i (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)",
        CreateTable(
            "i", (ColumnDef("id", INT, nullable=False, primary_key=True, identity="by default"),)
        ),
        id="pg-identity-by-default",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY)",
        CreateTable("t", (ColumnDef("id", INT, nullable=False, identity="always"),)),
        id="pg-identity-always",
    ),
    pytest.param(
        "postgres",
        'CREATE TABLE Public."Order" (Id INT, "Name" text, mood "Mood", m2 mood)',
        CreateTable(
            "Order",
            (
                ColumnDef("id", INT),
                ColumnDef("Name", TEXT),
                ColumnDef("mood", pg("ENUM", name="Mood", create_type=False)),
                ColumnDef("m2", pg("ENUM", name="mood", create_type=False)),
            ),
        ),
        id="pg-identifier-case-and-enum-column",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE billing.invoice (total numeric(10, 2) DEFAULT 0.00, at time(3))",
        CreateTable(
            "invoice",
            (
                ColumnDef("total", sa("Numeric", precision=10, scale=2), server_default="0.00"),
                ColumnDef("at", pg("TIME", precision=3)),
            ),
            schema="billing",
        ),
        id="pg-schema-qualified",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "email VARCHAR(120) NOT NULL UNIQUE, created DATETIME DEFAULT CURRENT_TIMESTAMP, "
        "seen TIMESTAMP, score REAL, e TEXT NOT NULL DEFAULT (datetime('now')))",
        CreateTable(
            "users",
            (
                ColumnDef("id", INT, primary_key=True, autoincrement=True),
                ColumnDef("email", sa("String", length=120), nullable=False),
                ColumnDef("created", sa("DateTime"), server_default="CURRENT_TIMESTAMP"),
                ColumnDef("seen", sa("TIMESTAMP")),
                ColumnDef("score", sa("REAL")),
                ColumnDef("e", TEXT, nullable=False, server_default="(datetime('now'))"),
            ),
            (Unique(("email",)),),
            dialect_kwargs=(("sqlite_autoincrement", True),),
            guard="sql",
        ),
        id="sqlite-autoincrement-declared-types",
    ),
    pytest.param(
        "sqlite",
        'CREATE TABLE "order" (id INTEGER NOT NULL, "group" VARCHAR(10), PRIMARY KEY (id), '
        'FOREIGN KEY("group") REFERENCES groups (name))',
        CreateTable(
            "order",
            (
                ColumnDef("id", INT, nullable=False, primary_key=True),
                ColumnDef("group", sa("String", length=10)),
            ),
            (PrimaryKey(("id",)), ForeignKey(("group",), "groups", ("name",))),
        ),
        id="sqlite-reserved-words-table-level-keys",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE main.t (a INT, b BOOL) STRICT",
        CreateTable(
            "t",
            (ColumnDef("a", INT), ColumnDef("b", sa("Boolean"))),
            dialect_kwargs=(("sqlite_strict", True),),
        ),
        id="sqlite-main-schema-strict",
    ),
    pytest.param(
        "mysql",
        "CREATE TABLE `order` (id INT AUTO_INCREMENT PRIMARY KEY, flag TINYINT(1) DEFAULT 0, "
        "u INT UNSIGNED, ts DATETIME(6), note VARCHAR(10) NOT NULL COMMENT 'hi', "
        "KEY ix_note (note), FOREIGN KEY (u) REFERENCES x(id) ON DELETE CASCADE) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        [
            CreateTable(
                "order",
                (
                    ColumnDef("id", INT, nullable=False, primary_key=True, autoincrement=True),
                    ColumnDef("flag", my("TINYINT", display_width=1), server_default="0"),
                    ColumnDef("u", my("INTEGER", unsigned=True)),
                    ColumnDef("ts", my("DATETIME", fsp=6)),
                    ColumnDef("note", sa("String", length=10), nullable=False, comment="hi"),
                ),
                (ForeignKey(("u",), "x", ("id",), ondelete="CASCADE"),),
                dialect_kwargs=(("mysql_engine", "InnoDB"), ("mysql_charset", "utf8mb4")),
            ),
            CreateIndex("ix_note", "order", (IndexElement("note"),)),
        ],
        id="mysql-auto-increment-key-options",
    ),
    pytest.param(
        "mysql",
        "CREATE TABLE t (id INT PRIMARY KEY, e ENUM('a','b') NOT NULL DEFAULT 'a', "
        "ts TIMESTAMP NULL, d DECIMAL(10,2))",
        CreateTable(
            "t",
            (
                ColumnDef("id", INT, nullable=False, primary_key=True, autoincrement=False),
                ColumnDef("e", my("ENUM", "a", "b"), nullable=False, server_default="'a'"),
                ColumnDef("ts", sa("TIMESTAMP")),
                ColumnDef("d", sa("Numeric", precision=10, scale=2)),
            ),
        ),
        id="mysql-enum-timestamp-no-auto-increment",
    ),
]


@pytest.mark.parametrize("dialect, sql, expected", CREATE_TABLE)
def test_create_table(dialect: str, sql: str, expected: Op | list[Op]) -> None:
    assert ops_of(sql, dialect) == (expected if isinstance(expected, list) else [expected])


# ---- ALTER TABLE ---------------------------------------------------------------------------------

ALTER_TABLE = [
    pytest.param(
        "postgres",
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS org_id INTEGER NOT NULL DEFAULT 0 "
        "REFERENCES org(id), DROP COLUMN foo, RENAME COLUMN a TO b",
        [
            AddColumn(
                "users",
                ColumnDef("org_id", INT, nullable=False, server_default="0"),
                (ForeignKey(("org_id",), "org", ("id",)),),
                guard="sql",
            ),
            DropColumn("users", "foo"),
            RenameColumn("users", "a", "b"),
        ],
        id="pg-several-actions-in-order",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE users RENAME TO people",
        [RenameTable("users", "people")],
        id="pg-rename-table",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE users ALTER COLUMN age TYPE BIGINT USING age::bigint, "
        "ALTER COLUMN bio SET DATA TYPE varchar(200)",
        [
            AlterColumn("users", "age", type=sa("BigInteger"), using="age::bigint"),
            AlterColumn("users", "bio", type=sa("String", length=200)),
        ],
        id="pg-alter-type-using",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE users ALTER COLUMN age SET NOT NULL, ALTER age DROP NOT NULL, "
        "ALTER COLUMN seen SET DEFAULT now(), ALTER COLUMN b DROP DEFAULT",
        [
            AlterColumn("users", "age", nullable=False),
            AlterColumn("users", "age", nullable=True),
            AlterColumn("users", "seen", server_default="now()"),
            AlterColumn("users", "b", server_default=None),
        ],
        id="pg-nullability-and-defaults",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id)",
        [AddConstraint("users", PrimaryKey(("id",), name="users_pkey"))],
        id="pg-dump-only",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES o(x, y) "
        "ON DELETE CASCADE, ADD CONSTRAINT u UNIQUE (c), ADD CONSTRAINT ck CHECK (a > 0), "
        "ADD UNIQUE (d), DROP CONSTRAINT IF EXISTS old",
        [
            AddConstraint(
                "users", ForeignKey(("a", "b"), "o", ("x", "y"), name="fk", ondelete="CASCADE")
            ),
            AddConstraint("users", Unique(("c",), name="u")),
            AddConstraint("users", Check("a > 0", name="ck")),
            AddConstraint("users", Unique(("d",))),
            DropConstraint("users", "old", guard="sql"),
        ],
        id="pg-add-drop-constraints",
    ),
    pytest.param(
        "sqlite",
        "ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'x' NOT NULL",
        [AddColumn("t", ColumnDef("c", TEXT, nullable=False, server_default="'x'"), exact=True)],
        id="sqlite-add-column",
    ),
    pytest.param(
        "sqlite",
        "ALTER TABLE t ADD COLUMN c TEXT NOT NULL",
        [AddColumn("t", ColumnDef("c", TEXT, nullable=False))],
        id="sqlite-add-column-without-default",
    ),
    pytest.param(
        "sqlite",
        "ALTER TABLE t ADD c VARCHAR(3) CHECK (c IN ('a', 'b')) UNIQUE",
        [
            AddColumn(
                "t",
                ColumnDef("c", sa("String", length=3)),
                (Check("c IN ('a', 'b')"), Unique(("c",))),
                exact=True,
            )
        ],
        id="sqlite-add-column-inline-constraints",
    ),
    pytest.param(
        "sqlite", "ALTER TABLE t DROP COLUMN c", [DropColumn("t", "c")], id="sqlite-drop-column"
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users MODIFY COLUMN age BIGINT NOT NULL DEFAULT 5",
        [
            AlterColumn(
                "users",
                "age",
                type=sa("BigInteger"),
                nullable=False,
                server_default="5",
                comment=None,
            )
        ],
        id="mysql-modify",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users MODIFY age VARCHAR(20)",
        [
            AlterColumn(
                "users",
                "age",
                type=sa("String", length=20),
                nullable=True,
                server_default=None,
                comment=None,
            )
        ],
        id="mysql-modify-restates-column",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users CHANGE COLUMN old_name new_name VARCHAR(20) NOT NULL",
        [
            RenameColumn(
                "users",
                "old_name",
                "new_name",
                existing=ColumnDef("new_name", sa("String", length=20), nullable=False),
            ),
            AlterColumn(
                "users",
                "new_name",
                type=sa("String", length=20),
                nullable=False,
                server_default=None,
                comment=None,
            ),
        ],
        id="mysql-change-renames",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users CHANGE a a INT",
        [AlterColumn("users", "a", type=INT, nullable=True, server_default=None, comment=None)],
        id="mysql-change-same-name",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users DROP FOREIGN KEY fk_1, DROP INDEX ix_a, DROP PRIMARY KEY",
        [
            DropConstraint("users", "fk_1", kind="foreignkey"),
            DropIndex("ix_a", table="users"),
            DropConstraint("users", "PRIMARY", kind="primary"),
        ],
        id="mysql-drop-fk-index-pk",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users ADD INDEX ix (a), ADD UNIQUE KEY uk (b)",
        [
            CreateIndex("ix", "users", (IndexElement("a"),)),
            AddConstraint("users", Unique(("b",), name="uk")),
        ],
        id="mysql-add-index-unique-key",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
        [AlterColumn("t", "id", identity="by default", exact=True)],
        id="pg-add-identity",
    ),
    pytest.param(
        "postgres",
        'ALTER TABLE IF EXISTS ONLY s."T" ALTER id ADD GENERATED ALWAYS AS IDENTITY (START 5)',
        [AlterColumn("T", "id", identity="always", schema="s", exact=True)],
        id="pg-add-identity-always-with-options",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE t ALTER COLUMN id DROP IDENTITY IF EXISTS",
        [AlterColumn("t", "id", identity=None, exact=True)],
        id="pg-drop-identity",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE t ALTER COLUMN id SET GENERATED ALWAYS",
        [AlterColumn("t", "id", identity="always", exact=True)],
        id="pg-set-generated",
    ),
    pytest.param(
        "mysql",
        "RENAME TABLE a TO b, `c` TO d",
        [RenameTable("a", "b"), RenameTable("c", "d")],
        id="mysql-rename-table",
    ),
]


@pytest.mark.parametrize("dialect, sql, expected", ALTER_TABLE)
def test_alter_table(dialect: str, sql: str, expected: list[Op]) -> None:
    result, diags = run(sql, dialect)
    assert all(op.statement in (None, sql) for op in result)
    assert [dataclasses.replace(op, origin=Origin(""), statement=None) for op in result] == expected
    assert diags.of_level(Level.WARNING) == []


def test_alter_column_leaves_other_attributes_unset() -> None:
    [op] = ops_of("ALTER TABLE t ALTER COLUMN c DROP DEFAULT", "postgres")
    assert isinstance(op, AlterColumn)
    assert (op.type, op.nullable, op.server_default) == (UNSET, UNSET, None)


# ---- indexes and enums ---------------------------------------------------------------------------

INDEXES = [
    pytest.param(
        "postgres",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_active_email ON public.users "
        "(lower(email)) WHERE deleted_at IS NULL",
        [
            CreateIndex(
                "ix_active_email",
                "users",
                (IndexElement("lower(email)", True),),
                unique=True,
                where="deleted_at IS NULL",
                concurrently=True,
                guard="sql",
            )
        ],
        id="pg-concurrently-partial-expression",
    ),
    pytest.param(
        "postgres",
        "CREATE INDEX ix_docs ON docs USING gin (data jsonb_path_ops)",
        [
            CreateIndex(
                "ix_docs", "docs", (IndexElement("data jsonb_path_ops", True),), method="gin"
            )
        ],
        id="pg-gin-opclass",
    ),
    pytest.param(
        "postgres",
        "CREATE INDEX ix_ab ON t (a, b DESC, (a + b))",
        [
            CreateIndex(
                "ix_ab",
                "t",
                (IndexElement("a"), IndexElement("b DESC", True), IndexElement("(a + b)", True)),
            )
        ],
        id="pg-mixed-elements",
    ),
    pytest.param(
        "postgres",
        "DROP INDEX CONCURRENTLY IF EXISTS public.ix_a",
        [DropIndex("ix_a", concurrently=True, guard="sql")],
        id="pg-drop-index-concurrently",
    ),
    pytest.param(
        "postgres", "DROP INDEX s.ix_a", [DropIndex("ix_a", schema="s")], id="pg-drop-index-schema"
    ),
    pytest.param(
        "sqlite",
        "CREATE INDEX IF NOT EXISTS ix ON t (a COLLATE NOCASE, b)",
        [
            CreateIndex(
                "ix", "t", (IndexElement("a COLLATE NOCASE", True), IndexElement("b")), guard="sql"
            )
        ],
        id="sqlite-collate-element",
    ),
    pytest.param(
        "mysql", "DROP INDEX ix ON t", [DropIndex("ix", table="t")], id="mysql-drop-index-on"
    ),
    pytest.param(
        "postgres",
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
        [CreateEnum("mood", ("sad", "ok", "happy"))],
        id="pg-create-enum",
    ),
    pytest.param(
        "postgres",
        "CREATE TYPE app.\"Status\" AS ENUM ('new')",
        [CreateEnum("Status", ("new",), schema="app")],
        id="pg-create-enum-quoted",
    ),
    pytest.param(
        "postgres", "DROP TYPE IF EXISTS mood", [DropEnum("mood", guard="sql")], id="pg-drop-type"
    ),
    pytest.param(
        "postgres",
        "DROP TABLE IF EXISTS a, b",
        [DropTable("a", guard="sql"), DropTable("b", guard="sql")],
        id="pg-drop-tables",
    ),
    pytest.param("sqlite", 'DROP TABLE "user"', [DropTable("user")], id="sqlite-drop-reserved"),
]


@pytest.mark.parametrize("dialect, sql, expected", INDEXES)
def test_indexes_enums_drops(dialect: str, sql: str, expected: list[Op]) -> None:
    assert ops_of(sql, dialect) == expected


# ---- exact SQL by design: reverse SQL, autocommit ------------------------------------------------


def exact(sql: str, reverse: str | None = None, autocommit: bool = False) -> ExecuteSQL:
    return ExecuteSQL(sql, kind="schema", reverse_sql=reverse, autocommit=autocommit)


EXACT = [
    pytest.param(
        "postgres", "CREATE OR REPLACE VIEW v AS SELECT 1", "DROP VIEW v", False, id="pg-view"
    ),
    pytest.param(
        "postgres",
        'CREATE MATERIALIZED VIEW "Totals" AS SELECT 1',
        'DROP MATERIALIZED VIEW "Totals"',
        False,
        id="pg-materialized-view",
    ),
    pytest.param(
        "postgres",
        'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"',
        'DROP EXTENSION IF EXISTS "uuid-ossp"',
        False,
        id="pg-extension",
    ),
    pytest.param(
        "postgres",
        "CREATE OR REPLACE FUNCTION app.touch(a integer, b text DEFAULT 'x', OUT c int) "
        "RETURNS trigger AS $$ BEGIN NEW.at = now(); RETURN NEW; END; $$ "
        "LANGUAGE plpgsql",
        "DROP FUNCTION app.touch(a integer, b text)",
        False,
        id="pg-function",
    ),
    pytest.param(
        "postgres",
        "CREATE TRIGGER trg BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()",
        "DROP TRIGGER trg ON public.users",
        False,
        id="pg-trigger",
    ),
    pytest.param(
        "sqlite",
        "CREATE TRIGGER IF NOT EXISTS trg AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END",
        "DROP TRIGGER trg",
        False,
        id="sqlite-trigger",
    ),
    pytest.param(
        "postgres",
        "CREATE SEQUENCE order_seq START 1000",
        "DROP SEQUENCE order_seq",
        False,
        id="pg-sequence",
    ),
    pytest.param(
        "postgres",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM users) THEN "
        "INSERT INTO users (name) VALUES ('admin'); END IF; END $$",
        None,
        False,
        id="pg-do-block",
    ),
    pytest.param(
        "postgres",
        "COMMENT ON TABLE users IS 'people'",
        "COMMENT ON TABLE users IS NULL",
        False,
        id="pg-comment",
    ),
    pytest.param("postgres", "GRANT SELECT ON users TO reporting", None, False, id="pg-grant"),
    pytest.param("postgres", "REVOKE ALL ON users FROM public", None, False, id="pg-revoke"),
    pytest.param("postgres", "VACUUM ANALYZE users", None, True, id="pg-vacuum"),
    pytest.param(
        "postgres", "REINDEX INDEX CONCURRENTLY ix", None, True, id="pg-reindex-concurrently"
    ),
    pytest.param("postgres", "CREATE DATABASE reports", None, True, id="pg-create-database"),
    pytest.param(
        "postgres",
        "CREATE SCHEMA AUTHORIZATION joe",
        "DROP SCHEMA joe",
        False,
        id="pg-schema-named-after-role",
    ),
    pytest.param(
        "mysql",
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER "
        "VIEW `v` AS SELECT 1",
        "DROP VIEW `v`",
        False,
        id="mysql-view-definer",
    ),
]


@pytest.mark.parametrize("dialect, sql, reverse, autocommit", EXACT)
def test_exact_schema_sql(dialect: str, sql: str, reverse: str | None, autocommit: bool) -> None:
    untracked = [
        dataclasses.replace(op, creates=(), drops=(), renamed=None) for op in ops_of(sql, dialect)
    ]
    assert untracked == [exact(sql, reverse, autocommit)]


TRACKED = [
    (
        "postgres",
        "CREATE OR REPLACE VIEW public.v AS SELECT 1",
        "creates",
        [ObjectRef("VIEW", "v")],
    ),
    (
        "postgres",
        "CREATE TRIGGER trg BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()",
        "creates",
        [ObjectRef("TRIGGER", "trg", "users", owner="users")],
    ),
    (
        "sqlite",
        "CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END",
        "creates",
        [ObjectRef("TRIGGER", "trg", owner="t")],
    ),
    ("sqlite", "DROP TRIGGER IF EXISTS trg", "drops", [ObjectRef("TRIGGER", "trg")]),
    (
        "postgres",
        "DROP TRIGGER trg ON users",
        "drops",
        [ObjectRef("TRIGGER", "trg", "users", owner="users")],
    ),
    (
        "postgres",
        'DROP VIEW IF EXISTS v, "W" CASCADE',
        "drops",
        [ObjectRef("VIEW", "v"), ObjectRef("VIEW", "W")],
    ),
    ("postgres", "DROP FUNCTION app.touch(integer)", "drops", [ObjectRef("FUNCTION", "app.touch")]),
    (
        "postgres",
        "CREATE SEQUENCE order_seq START 1000",
        "creates",
        [ObjectRef("SEQUENCE", "order_seq")],
    ),
    (
        "postgres",
        "COMMENT ON COLUMN public.events.payload IS 'raw'",
        "creates",
        [ObjectRef("COMMENT", "COLUMN events.payload", owner="events")],
    ),
]


@pytest.mark.parametrize("dialect, sql, field, refs", TRACKED)
def test_exact_objects_are_named_for_the_schema_model(
    dialect: str, sql: str, field: str, refs: list[ObjectRef]
) -> None:
    result, _ = run(sql, dialect)
    assert isinstance(result, list)
    [op] = result
    assert list(getattr(op, field)) == refs
    assert [r.owner for r in getattr(op, field)] == [r.owner for r in refs]


def test_do_block_enum_type_is_followed_with_its_values() -> None:
    sql = (
        "DO $$ BEGIN CREATE TYPE status AS ENUM ('new', 'it''s'); "
        "EXCEPTION WHEN duplicate_object THEN null; END $$"
    )
    result, diags = run(sql, "postgres")
    assert isinstance(result, list) and diags.items == []
    [ref] = result[0].creates
    assert (ref.kind, ref.name, ref.values) == ("TYPE", "status", ("new", "it's"))


@pytest.mark.parametrize(
    "sql, reverse, renamed",
    [
        (
            "ALTER INDEX IF EXISTS public.ix_a RENAME TO ix_b",
            "ALTER INDEX public.ix_b RENAME TO ix_a",
            (ObjectRef("INDEX", "ix_a"), "ix_b"),
        ),
        (
            'ALTER TABLE ONLY t RENAME CONSTRAINT ck_a TO "ck_B"',
            'ALTER TABLE t RENAME CONSTRAINT "ck_B" TO ck_a',
            (ObjectRef("CONSTRAINT", "ck_a", "t"), "ck_B"),
        ),
    ],
)
def test_renames_of_indexes_and_constraints_have_an_inverse(
    sql: str, reverse: str, renamed: tuple[ObjectRef, str]
) -> None:
    result, diags = run(sql, "postgres")
    assert isinstance(result, list) and diags.items == []
    assert (result[0].reverse_sql, result[0].renamed) == (reverse, renamed)


def test_do_block_changing_the_schema_is_kept_with_a_warning() -> None:
    sql = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE "
        "table_name = 'jobs' AND column_name = 'flag') THEN ALTER TABLE jobs ADD flag "
        "smallint; END IF; END $$"
    )
    result, diags = run(sql, "postgres")
    assert result == [ExecuteSQL(sql, origin=ORIGIN)]
    [warning] = diags.items
    assert warning.level == Level.WARNING
    assert "DO block changes the schema (ALTER TABLE)" in warning.message


def test_alter_type_add_value_runs_in_autocommit_with_info() -> None:
    sql = "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'"
    result, diags = run(sql, "postgres")
    assert result == [ExecuteSQL(sql, autocommit=True, origin=ORIGIN)]
    [info] = diags.items
    assert info.level == Level.INFO and "autocommit block" in info.message


# ---- lossy statements fall back to exact SQL with a warning -------------------------------------

FALLBACK = [
    pytest.param(
        "postgres",
        "CREATE TABLE t2 AS SELECT * FROM t",
        "DROP TABLE t2",
        False,
        "AS ...",
        id="pg-create-table-as",
    ),
    pytest.param(
        "postgres", "CREATE TEMP TABLE tt (a int)", None, False, "temporary", id="pg-temp-table"
    ),
    pytest.param(
        "postgres",
        'CREATE TABLE t (d text COLLATE "C")',
        "DROP TABLE t",
        False,
        "COLLATE",
        id="pg-collate",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED)",
        "DROP TABLE t",
        False,
        "GENERATED",
        id="pg-generated-column",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE t (a int) PARTITION BY RANGE (a)",
        "DROP TABLE t",
        False,
        "PARTITION",
        id="pg-partitioned",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE t (p point)",
        "DROP TABLE t",
        False,
        "point",
        id="pg-unmapped-type",
    ),
    pytest.param(
        "postgres",
        "CREATE TABLE t (a serial UNIQUE)",
        "DROP TABLE t",
        False,
        "auto-increment",
        id="pg-serial-not-key",
    ),
    pytest.param(
        "postgres",
        "CREATE INDEX ON users (email)",
        None,
        False,
        "without a name",
        id="pg-unnamed-index",
    ),
    pytest.param(
        "postgres",
        "CREATE INDEX ix ON users (email) INCLUDE (name)",
        "DROP INDEX ix",
        False,
        "INCLUDE",
        id="pg-index-include",
    ),
    pytest.param(
        "postgres",
        "CREATE INDEX ix ON users (email) WITH (fillfactor=70)",
        "DROP INDEX ix",
        False,
        "WITH",
        id="pg-index-storage",
    ),
    pytest.param(
        "postgres",
        "CREATE INDEX CONCURRENTLY ix ON ONLY t (a)",
        "DROP INDEX CONCURRENTLY ix",
        True,
        "could not parse",
        id="pg-index-on-only",
    ),
    pytest.param("postgres", "DROP TABLE a CASCADE", None, False, "CASCADE", id="pg-drop-cascade"),
    pytest.param(
        "postgres",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        None,
        False,
        "NOT VALID",
        id="pg-not-valid",
    ),
    pytest.param(
        "postgres",
        'ALTER TABLE t ALTER COLUMN c TYPE text COLLATE "C"',
        None,
        False,
        "COLLATE",
        id="pg-alter-type-collate",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE t (id INT PRIMARY KEY)",
        "DROP TABLE t",
        False,
        "rowid",
        id="sqlite-int-primary-key",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE t (a TINYINT)",
        "DROP TABLE t",
        False,
        "TINYINT",
        id="sqlite-unmapped-spelling",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE t (a, b)",
        "DROP TABLE t",
        False,
        "no op form",
        id="sqlite-typeless-columns",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE t (a int) WITHOUT ROWID",
        "DROP TABLE t",
        False,
        "CREATE TABLE",
        id="sqlite-without-rowid",
    ),
    pytest.param(
        "sqlite",
        "CREATE TABLE t (p INTEGER REFERENCES parent)",
        "DROP TABLE t",
        False,
        "column list",
        id="sqlite-fk-without-columns",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE users ADD COLUMN x INT AFTER y, ADD COLUMN z INT",
        None,
        False,
        "position",
        id="mysql-column-position-among-actions",
    ),
    pytest.param(
        "mysql",
        "CREATE TABLE t (s VARCHAR(10) CHARACTER SET utf8)",
        "DROP TABLE t",
        False,
        "CHARACTER SET",
        id="mysql-charset",
    ),
    pytest.param(
        "mysql",
        "CREATE TABLE t (ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
        "DROP TABLE t",
        False,
        "ON UPDATE",
        id="mysql-on-update",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE t MODIFY c INT NOT NULL UNIQUE",
        None,
        False,
        "UNIQUE",
        id="mysql-modify-with-a-key",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE t CHANGE a b INT PRIMARY KEY COMMENT 'x'",
        None,
        False,
        "PRIMARY KEY",
        id="mysql-change-with-a-primary-key",
    ),
    pytest.param(
        "mysql",
        "ALTER TABLE t MODIFY a INT COMMENT 'x', MODIFY b INT",
        None,
        False,
        "COMMENT",
        id="mysql-modify-comment-among-actions",
    ),
    pytest.param(
        "mysql",
        "CREATE TABLE t (a int) COMMENT='x'",
        "DROP TABLE t",
        False,
        "COMMENT",
        id="mysql-table-comment",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE t ADD COLUMN n SERIAL",
        None,
        False,
        "auto-increment",
        id="pg-add-serial-column",
    ),
    pytest.param(
        "sqlite",
        "ALTER TABLE t ADD COLUMN n SERIAL",
        None,
        False,
        "SERIAL",
        id="sqlite-serial-is-no-type",
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE t RENAME a TO b",
        None,
        False,
        "options",
        id="pg-rename-without-column-misread-by-sqlglot",
    ),
]


@pytest.mark.parametrize("dialect, sql, reverse, autocommit, why", FALLBACK)
def test_lossy_statement_stays_exact(
    dialect: str, sql: str, reverse: str | None, autocommit: bool, why: str
) -> None:
    result, diags = run(sql, dialect)
    assert result == [ExecuteSQL(sql, reverse_sql=reverse, autocommit=autocommit, origin=ORIGIN)]
    [warning] = diags.items
    assert warning.level == Level.WARNING and warning.origin == ORIGIN
    assert why in warning.message


@pytest.mark.parametrize("position", ["AFTER y", "FIRST"])
def test_mysql_add_column_with_position_runs_as_written_and_is_learned(position: str) -> None:
    """No op places a column: the statement stays exact, but as an AddColumn the schema model
    learns the column (later MODIFYs know its type) and the downgrade drops it."""
    sql = f"ALTER TABLE users ADD COLUMN x INT NOT NULL DEFAULT 0 {position}"
    [op], diags = run(sql, "mysql")
    assert isinstance(op, AddColumn) and op.exact and op.statement == sql
    assert (op.column.name, op.column.type.sql, op.column.nullable) == ("x", "INT", False)
    assert op.column.server_default == "0" and diags.items == []


@pytest.mark.parametrize(
    "attributes",
    [
        "NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP",
        "CHARACTER SET latin1 COLLATE latin1_bin NULL",
    ],
)
def test_mysql_add_column_with_attributes_no_op_states_runs_as_written_and_is_learned(
    attributes: str,
) -> None:
    """ON UPDATE, CHARACTER SET, COLLATE: run as written, and the downgrade drops the column."""
    sql = f"ALTER TABLE users ADD COLUMN x TIMESTAMP {attributes}"
    [op], diags = run(sql, "mysql")
    assert isinstance(op, AddColumn) and op.exact and op.statement == sql
    assert (op.column.name, op.column.nullable) == ("x", True) and diags.items == []


def _restated(sql: str, old: str, column: ColumnDef, position: Position | None = None) -> Op:
    return RestateColumn("users", old, column, position, origin=ORIGIN, statement=sql, exact=True)


VC20 = sa("String", length=20)

RESTATED = [
    pytest.param(
        "ALTER TABLE users MODIFY COLUMN nick VARCHAR(20) NOT NULL DEFAULT '' COMMENT 'shown'",
        "nick",
        ColumnDef("nick", VC20, False, "''", autoincrement=False, comment="shown"),
        None,
        id="modify-comment",
    ),
    pytest.param(
        "ALTER TABLE users MODIFY seen TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP",
        "seen",
        ColumnDef("seen", sa("TIMESTAMP"), True, "NULL", autoincrement=False),
        None,
        id="modify-on-update",
    ),
    pytest.param(
        "ALTER TABLE users MODIFY nick VARCHAR(20) NULL AFTER id",
        "nick",
        ColumnDef("nick", VC20, autoincrement=False),
        Position("id"),
        id="modify-after",
    ),
    pytest.param(
        "ALTER TABLE users MODIFY `nick` VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        " FIRST",
        "nick",
        ColumnDef("nick", VC20, autoincrement=False),
        Position(),
        id="modify-charset-first",
    ),
    pytest.param(
        "ALTER TABLE users CHANGE COLUMN nick handle VARCHAR(20) NOT NULL COMMENT 'unique'",
        "nick",
        ColumnDef("handle", VC20, False, autoincrement=False, comment="unique"),
        None,
        id="change-rename-comment",
    ),
    pytest.param(
        "ALTER TABLE users MODIFY id INT NOT NULL AUTO_INCREMENT",
        "id",
        ColumnDef("id", INT, False, autoincrement=True),
        None,
        id="modify-auto-increment",
    ),
]


@pytest.mark.parametrize(("sql", "old", "column", "position"), RESTATED)
def test_mysql_modify_change_alter_column_cannot_state_run_as_written_and_are_learned(
    sql: str, old: str, column: ColumnDef, position: Position | None
) -> None:
    """COMMENT, ON UPDATE, CHARACTER SET / COLLATE, FIRST / AFTER, AUTO_INCREMENT: the statement
    runs as written; the op carries the whole new column (unstated AUTO_INCREMENT: none) for
    the schema model and the downgrade."""
    [op], diags = run(sql, "mysql")
    assert op == _restated(sql, old, column, position) and diags.items == []


def test_mysql_modify_without_comment_clears_it() -> None:
    """MODIFY restates the column: no COMMENT is no comment (plan keeps it only where the
    model knows a comment to clear)."""
    [op] = ops_of("ALTER TABLE users MODIFY nick VARCHAR(20) NOT NULL", "mysql")
    assert isinstance(op, AlterColumn) and op.comment is None


@pytest.mark.parametrize(("where", "position"), [("AFTER y", Position("y")), ("FIRST", Position())])
def test_mysql_add_column_position_is_kept_for_the_schema_model(
    where: str, position: Position
) -> None:
    [op], _ = run(f"ALTER TABLE users ADD COLUMN x INT {where}", "mysql")
    assert isinstance(op, AddColumn) and op.position == position


@pytest.mark.parametrize(
    ("sql", "charset", "collation"),
    [
        ("ALTER TABLE authors CONVERT TO CHARACTER SET utf8mb4", "utf8mb4", None),
        ("ALTER TABLE `authors` CONVERT TO CHARSET utf8mb4 COLLATE utf8mb4_bin", "utf8mb4",
         "utf8mb4_bin"),
    ],
)  # fmt: skip
def test_mysql_convert_to_character_set_is_an_op(
    sql: str, charset: str, collation: str | None
) -> None:
    [op], diags = run(sql, "mysql")
    assert op == ConvertCharset(
        "authors", charset, collation, origin=ORIGIN, statement=sql, exact=True
    )
    assert diags.items == []


def test_unparseable_statement_keeps_text_and_guesses_data() -> None:
    sql = "INSERT INTO t VALUES (1, 2"
    result, diags = run(sql, "postgres")
    assert result == [ExecuteSQL(sql, kind="data", tables=("t",), origin=ORIGIN)]
    assert [d.message for d in diags.items] == [
        "sqlglot could not parse this statement; kept as exact SQL"
    ]


@pytest.mark.parametrize(
    "sql", ["RELEASE SAVEPOINT a", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE"]
)
def test_unparseable_transaction_control_is_still_ignored(sql: str) -> None:
    result, diags = run(sql, "postgres")
    assert result == Ignored("transaction control") and diags.items == []


def test_unknown_statement_kind_is_named_in_the_warning() -> None:
    result, diags = run("CREATE POLICY p ON users USING (true)", "postgres")
    assert result == [ExecuteSQL("CREATE POLICY p ON users USING (true)", origin=ORIGIN)]
    assert "CREATE POLICY" in diags.items[0].message


def test_select_calling_unknown_function_is_kept_as_data() -> None:
    result, diags = run("SELECT refresh_totals()", "postgres")
    assert result == [ExecuteSQL("SELECT refresh_totals()", kind="data", origin=ORIGIN)]
    assert "refresh_totals" in diags.items[0].message


# ---- data and ignored statements, one a line -----------------------------------------------------


def _lines(name: str) -> list[list[str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [
        [part.strip() for part in line.split(" | ", 2)]
        for line in lines
        if line.strip() and not line.startswith("--")
    ]


@pytest.mark.parametrize("dialect, tables, sql", _lines("data_statements.sql"))
def test_data_statement_kept_byte_for_byte(dialect: str, tables: str, sql: str) -> None:
    result, diags = run(sql, dialect)
    expected = tuple(t.strip() for t in tables.split(",") if t.strip() not in ("", "-"))
    assert result == [ExecuteSQL(sql, kind="data", tables=expected, origin=ORIGIN)]
    assert result[0].sql is sql or result[0].sql == sql
    assert diags.items == []


@pytest.mark.parametrize("dialect, sql", _lines("ignored.sql"))
def test_ignored_statement(dialect: str, sql: str) -> None:
    result, diags = run(sql, dialect)
    assert isinstance(result, Ignored) and result.reason
    assert diags.of_level(Level.WARNING) == []


def test_extraction_verdict_wins() -> None:
    stmt = Statement("\\connect other", ORIGIN, ignored="psql meta-command")
    assert lower(stmt, None, "postgres", Diagnostics()) == Ignored("psql meta-command")


def test_set_search_path_is_ignored_with_a_warning() -> None:
    result, diags = run("SET search_path TO app, public", "postgres")
    assert result == Ignored("session setting")
    assert "search_path" in diags.items[0].message


def test_ops_carry_the_statement_origin() -> None:
    result, _ = run("ALTER TABLE t DROP COLUMN a, DROP COLUMN b", "sqlite")
    assert [op.origin for op in result] == [ORIGIN, ORIGIN]


# ---- parse ---------------------------------------------------------------------------------------


def test_parse_returns_none_on_error_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert parse_statement(Statement("CREATE TABLE (", ORIGIN), "sqlite").tree is None
        command = parse_statement(Statement("CREATE EXTENSION hstore", ORIGIN), "postgres").tree
    assert command is not None and command.key == "command"
    assert caplog.records == []


def test_parse_several_statements_is_a_block() -> None:
    tree = parse_statement(Statement("SELECT 1; SELECT 2", ORIGIN), "postgres").tree
    assert tree is not None and tree.key == "block"


def test_parse_returns_its_tokens() -> None:
    parsed = parse_statement(Statement("DROP TABLE t", ORIGIN), "sqlite")
    assert [t.text for t in parsed.tokens or []] == ["DROP", "TABLE", "t"]
    assert parse_statement(Statement("SELECT 'unclosed", ORIGIN), "sqlite").tokens is None


def test_alter_table_sqlglot_cannot_read_says_so() -> None:
    sql = "ALTER TABLE t ADD COLUMN tags VARCHAR(20) }"
    result, diags = run(sql, "mysql")
    assert result == [ExecuteSQL(sql, origin=ORIGIN)]
    [warning] = diags.items
    assert (
        warning.level == Level.WARNING
        and "sqlglot could not read this ALTER TABLE" in warning.message
    )
