"""Snapshots of real SQLite files and PostgreSQL databases built with plain SQL, and their diff."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from converter.database.snapshot.diff import Difference, diff_snapshots, format_diff
from converter.database.snapshot.model import (
    Column,
    ForeignKey,
    Index,
    Snapshot,
    Table,
    UniqueConstraint,
)
from converter.database.snapshot.normalize import (
    is_generated_unique_name,
    normalize_type_text,
    type_text,
)
from converter.database.snapshot.read import read_snapshot
from converter.database.snapshot.sqlite import split_index_sql
from converter.database.urls import connect

DIALECTS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def build(url: str, sql: str) -> Snapshot:
    """Run `sql` (statements separated by ';') on `url` and snapshot the result."""
    with connect(url).begin() as conn:
        for statement in filter(str.strip, sql.split(";")):
            conn.exec_driver_sql(statement)
    return snap(url)


def snap(url: str) -> Snapshot:
    with connect(url).connect() as conn:
        return read_snapshot(conn)


def create_all(url: str, metadata: sa.MetaData) -> Snapshot:
    with connect(url).begin() as conn:
        metadata.create_all(conn)
    return snap(url)


def stamp_type(dialect: str) -> str:
    return "TIMESTAMP" if dialect == "postgres" else "DATETIME"


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_columns_types_nullability_and_primary_key(new_db, dialect: str) -> None:
    snapshot = build(
        new_db(),
        f"""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(120) NOT NULL,
                            created {stamp_type(dialect)}, score NUMERIC(10, 2) DEFAULT 0)
    """,
    )
    users = snapshot.table("users")
    assert users is not None and snapshot.table_names == ["users"]
    assert [c.name for c in users.columns] == ["id", "email", "created", "score"]
    cols = users.column_map
    assert (cols["id"].type, cols["id"].nullable, cols["id"].primary_key) == (
        "INTEGER",
        False,
        True,
    )
    assert (cols["email"].type, cols["email"].nullable) == ("VARCHAR(120)", False)
    assert cols["created"].type == stamp_type(dialect)
    assert cols["score"].type == "NUMERIC(10,2)"
    assert cols["score"].default is not None and "0" in cols["score"].default
    assert users.primary_key == ("id",)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_alembic_version_and_views_are_not_part_of_the_schema(new_db, dialect: str) -> None:
    snapshot = build(
        new_db(),
        """
        CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);
        CREATE TABLE t (id INTEGER PRIMARY KEY);
        CREATE VIEW v AS SELECT id FROM t
    """,
    )
    assert snapshot.table_names == ["t"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_composite_primary_key_keeps_its_order(new_db, dialect: str) -> None:
    snapshot = build(new_db(), "CREATE TABLE m (b INTEGER, a INTEGER, PRIMARY KEY (b, a))")
    assert snapshot.tables[0].primary_key == ("b", "a")


def test_sqlite_rowid_alias_is_not_null_however_declared(tmp_path: Path) -> None:
    legacy, modern = (_sqlite_file(tmp_path / name) for name in ("legacy.db", "modern.db"))
    old = build(legacy, "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT)")
    metadata = sa.MetaData()
    sa.Table(
        "t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.Text)
    )
    assert diff_snapshots(create_all(modern, metadata), old) == []
    assert old.tables[0].column_map["id"].nullable is False


def _sqlite_file(path: Path) -> str:
    sqlite3.connect(path).close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_foreign_keys_with_actions(new_db, dialect: str) -> None:
    snapshot = build(
        new_db(),
        """
        CREATE TABLE org (id INTEGER PRIMARY KEY);
        CREATE TABLE member (id INTEGER PRIMARY KEY,
            org_id INTEGER REFERENCES org (id) ON DELETE CASCADE ON UPDATE NO ACTION,
            boss_id INTEGER REFERENCES member (id) ON DELETE SET NULL)
    """,
    )
    fks = snapshot.table("member").foreign_keys  # type: ignore[union-attr]
    assert fks == {
        ForeignKey(("org_id",), "org", ("id",), ondelete="CASCADE"),
        ForeignKey(("boss_id",), "member", ("id",), ondelete="SET NULL"),
    }


def test_sqlite_reference_to_implicit_primary_key(tmp_path: Path) -> None:
    snapshot = build(
        _sqlite_file(tmp_path / "x.db"),
        """
        CREATE TABLE org (id INTEGER PRIMARY KEY);
        CREATE TABLE member (org_id INTEGER REFERENCES org)
    """,
    )
    assert snapshot.table("member").foreign_keys == {  # type: ignore[union-attr]
        ForeignKey(("org_id",), "org", ("id",))
    }


@pytest.mark.parametrize("dialect", DIALECTS)
def test_expression_partial_and_descending_indexes(new_db, dialect: str) -> None:
    snapshot = build(
        new_db(),
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(50), active INTEGER);
        CREATE INDEX ix_lower_email ON users (lower(email));
        CREATE INDEX ix_active ON users (email) WHERE active = 1;
        CREATE INDEX ix_desc ON users (active DESC, email)
    """,
    )
    indexes = {i.name: i for i in snapshot.tables[0].indexes}
    assert set(indexes) == {"ix_lower_email", "ix_active", "ix_desc"}
    assert indexes["ix_lower_email"].elements == ("LOWER(email)",)
    assert indexes["ix_active"].elements == ("email",)
    assert indexes["ix_active"].where == "active = 1"
    assert indexes["ix_desc"].elements == ("active DESC", "email")


@pytest.mark.postgres
@pytest.mark.parametrize("dialect", ["postgres"])
def test_postgres_enum_types(new_db, dialect: str) -> None:
    snapshot = build(
        new_db(),
        """
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TABLE person (id INTEGER PRIMARY KEY, mood mood NOT NULL)
    """,
    )
    assert snapshot.enum_values == {"mood": ("sad", "ok", "happy")}
    assert snapshot.tables[0].column_map["mood"].type == "ENUM mood"


@pytest.mark.postgres
@pytest.mark.parametrize("dialect", ["postgres"])
def test_postgres_types_are_normalised(new_db, dialect: str) -> None:
    snapshot = build(
        new_db(),
        """
        CREATE TABLE t (a timestamp without time zone, b timestamptz, c character varying(20),
                        d double precision, e text[], f numeric(8, 3), g time without time zone)
    """,
    )
    types = {c.name: c.type for c in snapshot.tables[0].columns}
    assert types == {
        "a": "TIMESTAMP",
        "b": "TIMESTAMP WITH TIME ZONE",
        "c": "VARCHAR(20)",
        "d": "DOUBLE PRECISION",
        "e": "TEXT[]",
        "f": "NUMERIC(8,3)",
        "g": "TIME",
    }


def test_sqlite_catalog_reader_agrees_with_sqlalchemy_types(tmp_path: Path) -> None:
    declared = [
        "INTEGER",
        "int",
        "BIGINT",
        "VARCHAR(30)",
        "varchar",
        "TEXT",
        "DATETIME",
        "DATE",
        "BOOLEAN",
        "NUMERIC(10, 2)",
        "REAL",
        "FLOAT",
        "BLOB",
        "JSON",
        "character varying(9)",
        "DOUBLE PRECISION",
        "",
    ]
    columns = ", ".join(f'"c{i}" {t}' for i, t in enumerate(declared))
    url = _sqlite_file(tmp_path / "types.db")
    snapshot = build(url, f"CREATE TABLE t ({columns})")
    with connect(url).connect() as conn:
        reflected = sa.inspect(conn).get_columns("t")
        expected = {c["name"]: type_text(c["type"], conn.dialect) for c in reflected}
    assert {c.name: c.type for c in snapshot.tables[0].columns} == expected


# --- unique constraints and unique indexes -------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_unique_constraint_spellings_compare_equal(new_db, dialect: str) -> None:
    inline = build(new_db(), "CREATE TABLE t (id INTEGER PRIMARY KEY, email VARCHAR(50) UNIQUE)")
    table_level = build(
        new_db(),
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY, email VARCHAR(50), UNIQUE (email))""",
    )
    added_later = build(
        new_db(),
        f"""
        CREATE TABLE t (id INTEGER PRIMARY KEY, email VARCHAR(50));
        {
            "ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE (email)"
            if dialect == "postgres"
            else "SELECT 1"
        }""",
    )
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(50), unique=True),
    )
    models = create_all(new_db(), metadata)
    assert diff_snapshots(models, inline) == []
    assert diff_snapshots(models, table_level) == []
    if dialect == "postgres":
        assert diff_snapshots(models, added_later) == []
    assert inline.tables[0].unique_constraints == {UniqueConstraint(("email",))}
    assert inline.tables[0].indexes == frozenset()  # the backing index is the constraint


@pytest.mark.parametrize("dialect", DIALECTS)
def test_unique_index_and_unique_constraint_differ_as_in_alembic(new_db, dialect: str) -> None:
    constraint = build(new_db(), "CREATE TABLE t (email VARCHAR(50), UNIQUE (email))")
    index = build(
        new_db(),
        """
        CREATE TABLE t (email VARCHAR(50));
        CREATE UNIQUE INDEX ix_t_email ON t (email)""",
    )
    assert [str(d) for d in diff_snapshots(constraint, index)] == [
        "table t: extra index ix_t_email",
        "table t: unique constraint (email) missing",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_legacy_unique_index_equals_sqlalchemy_unique_index(new_db, dialect: str) -> None:
    legacy = build(
        new_db(),
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY, email VARCHAR(50));
        CREATE UNIQUE INDEX ix_t_email ON t (email)""",
    )
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(50), unique=True, index=True),
    )
    assert diff_snapshots(create_all(new_db(), metadata), legacy) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_declared_unique_constraint_names_are_compared(new_db, dialect: str) -> None:
    named = build(new_db(), "CREATE TABLE t (a INTEGER, b INTEGER, CONSTRAINT uq_ab UNIQUE (a, b))")
    unnamed = build(new_db(), "CREATE TABLE t (a INTEGER, b INTEGER, UNIQUE (a, b))")
    assert named.tables[0].unique_constraints == {UniqueConstraint(("a", "b"), "uq_ab")}
    assert [str(d) for d in diff_snapshots(named, unnamed)] == [
        "table t: extra unique constraint (a, b)",
        "table t: unique constraint uq_ab (a, b) missing",
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("dialect", ["postgres"])
def test_postgres_generated_unique_names_even_truncated(new_db, dialect: str) -> None:
    table = "a_rather_long_table_name_for_testing_truncation"
    column = "an_equally_long_column_name_for_testing"
    snapshot = build(
        new_db(),
        f"""
        CREATE TABLE {table} ({column} INTEGER UNIQUE, x INTEGER);
        ALTER TABLE {table} ADD UNIQUE ({column}, x)""",
    )
    uniques = snapshot.tables[0].unique_constraints
    names = sorted(u.name or "" for u in uniques)
    assert [len(n) for n in names] == [63, 63] and names[0].endswith("_key1")  # truncated, numbered
    assert {u.declared_name for u in uniques} == {None}


def test_generated_unique_name_rules() -> None:
    assert is_generated_unique_name("postgresql", "users", ("email",), "users_email_key")
    assert is_generated_unique_name("postgresql", "users", ("a", "b"), "users_a_b_key2")
    assert not is_generated_unique_name("postgresql", "users", ("email",), "uq_users_email")
    assert not is_generated_unique_name("postgresql", "users", ("email",), "orders_email_key")
    assert is_generated_unique_name("mysql", "users", ("email", "x"), "email_2")
    assert not is_generated_unique_name("sqlite", "users", ("email",), "users_email_key")


# --- normalisation helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("NUMERIC(10, 2)", "NUMERIC(10,2)"),
        ("varchar( 50 )", "VARCHAR(50)"),
        ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"),
        ("timestamp(6)  with time zone", "TIMESTAMP(6) WITH TIME ZONE"),
        ("ENUM('a, b', 'c')", "ENUM('a, b','c')"),
        ('VARCHAR(5) COLLATE "de_DE"', 'VARCHAR(5) COLLATE "de_DE"'),
    ],
)
def test_normalize_type_text(raw: str, normal: str) -> None:
    assert normalize_type_text(raw) == normal


def test_split_index_sql() -> None:
    sql = "CREATE INDEX ix ON t (lower(name), \"a,b\" DESC, substr(x, 1, 2)) WHERE x > ','"
    assert split_index_sql(sql) == (["lower(name)", '"a,b" DESC', "substr(x, 1, 2)"], "x > ','")


# --- the diff ------------------------------------------------------------------------------


def _users(
    *columns: Column,
    indexes: frozenset[Index] = frozenset(),
    fks: frozenset[ForeignKey] = frozenset(),
) -> Table:
    base = (Column("id", "INTEGER", False, True),)
    return Table("users", base + columns, ("id",), indexes, frozenset(), fks)


def test_diff_messages() -> None:
    expected = Snapshot(
        (
            _users(
                Column("email", "VARCHAR(100)", True),
                Column("org_id", "INTEGER", True),
                indexes=frozenset({Index("ix_users_email", ("email",))}),
                fks=frozenset({ForeignKey(("org_id",), "org", ("id",))}),
            ),
            Table("org", (Column("id", "INTEGER", False, True),), ("id",)),
        )
    )
    actual = Snapshot(
        (
            _users(
                Column("email", "VARCHAR(120)", False),
                Column("org_id", "INTEGER", True),
                Column("phone", "VARCHAR(20)", True),
                indexes=frozenset({Index("ix_users_phone", ("phone",))}),
            ),
            Table("orders", (Column("id", "INTEGER", False, True),), ("id",)),
        )
    )
    assert [str(d) for d in diff_snapshots(expected, actual)] == [
        "extra table orders",
        "table org missing",
        "table users: column email type VARCHAR(100) != VARCHAR(120)",
        "table users: column email NULL != NOT NULL",
        "table users: extra column phone",
        "table users: index ix_users_email missing",
        "table users: extra index ix_users_phone",
        "table users: foreign key (org_id) -> org(id) missing",
    ]


def test_diff_of_foreign_key_actions_primary_key_and_enums() -> None:
    fk = ForeignKey(("org_id",), "org", ("id",))
    expected = Snapshot(
        (_users(Column("org_id", "INTEGER", True), fks=frozenset({fk})),),
        (),
    )
    changed = Table(
        "users",
        expected.tables[0].columns,
        ("id", "org_id"),
        frozenset(),
        frozenset(),
        frozenset({ForeignKey(("org_id",), "org", ("id",), None, "CASCADE")}),
    )
    from converter.database.snapshot.model import EnumType

    actual = Snapshot((changed,), (EnumType("mood", ("a", "b")),))
    diffs = diff_snapshots(expected, actual)
    assert [str(d) for d in diffs] == [
        "table users: primary key (id) != (id, org_id)",
        "table users: foreign key (org_id) -> org(id) NO ACTION != ON DELETE CASCADE",
        "extra enum mood",
    ]
    assert diffs[-1] == Difference("enum", None, "mood", None, "('a', 'b')")


def test_equal_snapshots_ignore_column_order_not_defaults() -> None:
    a = Table("t", (Column("x", "INTEGER", True, default="1"), Column("y", "TEXT", True)))
    b = Table("t", (Column("y", "TEXT", True), Column("x", "INTEGER", True, default="1")))
    assert a == b and hash(a) == hash(b)
    assert diff_snapshots(Snapshot((a,)), Snapshot((b,))) == []
    assert format_diff([]) == "no differences"
    c = Table("t", (Column("y", "TEXT", True), Column("x", "INTEGER", True, default="2")))
    assert [str(d) for d in diff_snapshots(Snapshot((a,)), Snapshot((c,)))] == [
        "table t: column x default 1 != 2"
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_diff_of_real_databases(new_db, dialect: str) -> None:
    old = build(
        new_db(),
        """
        CREATE TABLE org (id INTEGER PRIMARY KEY);
        CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100),
                            org_id INTEGER REFERENCES org (id));
        CREATE INDEX ix_users_email ON users (email)""",
    )
    new = build(
        new_db(),
        """
        CREATE TABLE org (id INTEGER PRIMARY KEY);
        CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(120), org_id INTEGER,
                            phone VARCHAR(20))""",
    )
    assert format_diff(diff_snapshots(old, new)).splitlines() == [
        "table users: column email type VARCHAR(100) != VARCHAR(120)",
        "table users: extra column phone",
        "table users: index ix_users_email missing",
        "table users: foreign key (org_id) -> org(id) missing",
    ]


# --- MySQL / MariaDB -------------------------------------------------------------------------


@pytest.mark.mysql
def test_mysql_spellings_that_store_the_same_compare_equal(mysql_url_factory) -> None:
    """Display widths, tinyint(1) for BOOLEAN, a quoted number as default, and the index InnoDB
    makes for a foreign key (named after the key or after its column) are not differences."""
    parent = "CREATE TABLE a (id INT PRIMARY KEY)"
    legacy = build(
        mysql_url_factory(),
        f"{parent}; CREATE TABLE t (id INT(5) PRIMARY KEY, flag TINYINT(1) NOT NULL DEFAULT '1',"
        " n BIGINT(20) UNSIGNED, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id))",
    )
    models = build(
        mysql_url_factory(),
        f"{parent}; CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL DEFAULT 1,"
        " n BIGINT UNSIGNED, a_id INT); ALTER TABLE t ADD CONSTRAINT fk_t_a FOREIGN KEY (a_id)"
        " REFERENCES a (id)",
    )
    assert diff_snapshots(models, legacy) == []
    assert models.table_map["t"].column_map["flag"].type == "BOOLEAN"
    assert models.table_map["t"].column_map["flag"].default == "1"
    other = build(
        mysql_url_factory(),
        f"{parent}; CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN NOT NULL DEFAULT 1,"
        " n BIGINT UNSIGNED, a_id INT, INDEX ix_t_a (a_id), FOREIGN KEY (a_id) REFERENCES a (id))",
    )
    assert format_diff(diff_snapshots(models, other)) == "table t: extra index ix_t_a"


@pytest.mark.mysql
def test_mysql_table_character_sets_are_compared(mysql_url_factory) -> None:
    """A column inherits its table's character set: the table's is compared, and a column's
    own only where it differs from its table's."""
    utf8 = build(mysql_url_factory(), "CREATE TABLE t (s VARCHAR(5)) DEFAULT CHARSET=utf8mb4")
    latin1 = build(mysql_url_factory(), "CREATE TABLE t (s VARCHAR(5)) DEFAULT CHARSET=latin1")
    [diff] = diff_snapshots(utf8, latin1)
    assert str(diff).startswith("table t: character set utf8mb4 COLLATE utf8mb4_")
    assert str(diff).endswith("!= latin1 COLLATE latin1_swedish_ci")
    mixed = build(
        mysql_url_factory(),
        "CREATE TABLE t (s VARCHAR(5) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4",
    )
    assert [d.kind for d in diff_snapshots(utf8, mixed)] == ["column.type"]
