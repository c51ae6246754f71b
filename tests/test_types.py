"""Type mapping: every legacy spelling maps to a SQLAlchemy type that creates exactly that type.

Each mapping is checked the way a revision uses it: TypeSpec -> SQLAlchemy type -> DDL compiled
for the same dialect, compared with the legacy spelling after the dialect's own normalisation
(PostgreSQL and MySQL store canonical types; SQLite stores the declared text, so only the aliases
SQLite and SQLAlchemy's reflection treat identically are allowed there).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlglot
from legacy import sa_url
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from converter.ir.ops import TypeSpec
from converter.lower.types import (
    parse_spelling,
    render_type,
    to_sqlalchemy,
    type_from_sqlalchemy,
    type_from_sqlglot,
)

SA_DIALECTS = {
    "sqlite": sqlite.dialect(),
    "postgres": postgresql.dialect(),
    "mysql": mysql.dialect(),
}


def spec(type_name: str, module: str = "sa", *args: Any, **kwargs: Any) -> TypeSpec:
    return TypeSpec(type_name, module, args, tuple(kwargs.items()))


def pg(type_name: str, *args: Any, **kwargs: Any) -> TypeSpec:
    return spec(type_name, "postgresql", *args, **kwargs)


def my(type_name: str, *args: Any, **kwargs: Any) -> TypeSpec:
    return spec(type_name, "mysql", *args, **kwargs)


MAPPINGS = [
    # SQLite keeps the declared text: the mapped type must compile to the same spelling.
    ("sqlite", "INTEGER", spec("Integer")),
    ("sqlite", "int", spec("Integer")),
    ("sqlite", "BIGINT", spec("BigInteger")),
    ("sqlite", "SMALLINT", spec("SmallInteger")),
    ("sqlite", "VARCHAR(50)", spec("String", length=50)),
    ("sqlite", "varchar", spec("String")),
    ("sqlite", "NVARCHAR(20)", spec("NVARCHAR", length=20)),
    ("sqlite", "CHAR(3)", spec("CHAR", length=3)),
    ("sqlite", "NCHAR(2)", spec("NCHAR", length=2)),
    ("sqlite", "TEXT", spec("Text")),
    ("sqlite", "CLOB", spec("CLOB")),
    ("sqlite", "BOOLEAN", spec("Boolean")),
    ("sqlite", "BOOL", spec("Boolean")),
    ("sqlite", "REAL", spec("REAL")),
    ("sqlite", "FLOAT", spec("Float")),
    ("sqlite", "DOUBLE", spec("Double")),
    ("sqlite", "DOUBLE PRECISION", spec("DOUBLE_PRECISION")),
    ("sqlite", "NUMERIC", spec("Numeric")),
    ("sqlite", "NUMERIC(10,2)", spec("Numeric", precision=10, scale=2)),
    ("sqlite", "DECIMAL(8, 3)", spec("DECIMAL", precision=8, scale=3)),
    ("sqlite", "DATE", spec("Date")),
    ("sqlite", "TIME", spec("Time")),
    ("sqlite", "DATETIME", spec("DateTime")),
    ("sqlite", "TIMESTAMP", spec("TIMESTAMP")),
    ("sqlite", "BLOB", spec("LargeBinary")),
    ("sqlite", "JSON", spec("JSON")),
    ("sqlite", "UUID", spec("UUID")),
    # PostgreSQL stores canonical types.
    ("postgres", "integer", spec("Integer")),
    ("postgres", "INT", spec("Integer")),
    ("postgres", "int4", spec("Integer")),
    ("postgres", "SERIAL", spec("Integer")),
    ("postgres", "bigint", spec("BigInteger")),
    ("postgres", "BIGSERIAL", spec("BigInteger")),
    ("postgres", "int8", spec("BigInteger")),
    ("postgres", "smallint", spec("SmallInteger")),
    ("postgres", "smallserial", spec("SmallInteger")),
    ("postgres", "VARCHAR(50)", spec("String", length=50)),
    ("postgres", "character varying(20)", spec("String", length=20)),
    ("postgres", "varchar", spec("String")),
    ("postgres", "char(2)", spec("CHAR", length=2)),
    ("postgres", "character(2)", spec("CHAR", length=2)),
    ("postgres", "text", spec("Text")),
    ("postgres", "boolean", spec("Boolean")),
    ("postgres", "bool", spec("Boolean")),
    ("postgres", "real", spec("REAL")),
    ("postgres", "float4", spec("REAL")),
    ("postgres", "double precision", spec("Double")),
    ("postgres", "float8", spec("Double")),
    ("postgres", "float", spec("Float")),
    ("postgres", "numeric(12, 4)", spec("Numeric", precision=12, scale=4)),
    ("postgres", "decimal(10,2)", spec("Numeric", precision=10, scale=2)),
    ("postgres", "numeric", spec("Numeric")),
    ("postgres", "date", spec("Date")),
    ("postgres", "time", spec("Time")),
    ("postgres", "time(3)", pg("TIME", precision=3)),
    ("postgres", "timetz", spec("Time", timezone=True)),
    ("postgres", "timestamp", spec("DateTime")),
    ("postgres", "timestamp without time zone", spec("DateTime")),
    ("postgres", "timestamptz", spec("DateTime", timezone=True)),
    ("postgres", "timestamp with time zone", spec("DateTime", timezone=True)),
    ("postgres", "timestamp(3) with time zone", pg("TIMESTAMP", timezone=True, precision=3)),
    ("postgres", "timestamp(6)", pg("TIMESTAMP", precision=6)),
    ("postgres", "interval", pg("INTERVAL")),
    ("postgres", "bytea", spec("LargeBinary")),
    ("postgres", "json", spec("JSON")),
    ("postgres", "jsonb", pg("JSONB")),
    ("postgres", "uuid", spec("Uuid")),
    ("postgres", "inet", pg("INET")),
    ("postgres", "cidr", pg("CIDR")),
    ("postgres", "macaddr", pg("MACADDR")),
    ("postgres", "money", pg("MONEY")),
    ("postgres", "tsvector", pg("TSVECTOR")),
    ("postgres", "bit(8)", pg("BIT", length=8)),
    ("postgres", "integer[]", pg("ARRAY", spec("Integer"))),
    ("postgres", "text ARRAY", pg("ARRAY", spec("Text"))),
    ("postgres", "varchar(10)[][]", pg("ARRAY", spec("String", length=10), dimensions=2)),
    ("postgres", "mood", pg("ENUM", name="mood", create_type=False)),
    ("postgres", '"Mood"', pg("ENUM", name="Mood", create_type=False)),
    ("postgres", "s.mood", pg("ENUM", name="mood", schema="s", create_type=False)),
    ("postgres", "mood[]", pg("ARRAY", pg("ENUM", name="mood", create_type=False))),
    # MySQL stores canonical types; display widths and UNSIGNED are part of them.
    ("mysql", "INT", spec("Integer")),
    ("mysql", "INTEGER", spec("Integer")),
    ("mysql", "INT(11)", my("INTEGER", display_width=11)),
    ("mysql", "INT UNSIGNED", my("INTEGER", unsigned=True)),
    (
        "mysql",
        "BIGINT(20) UNSIGNED ZEROFILL",
        my("BIGINT", display_width=20, unsigned=True, zerofill=True),
    ),
    ("mysql", "TINYINT(1)", my("TINYINT", display_width=1)),
    ("mysql", "TINYINT", my("TINYINT")),
    ("mysql", "MEDIUMINT", my("MEDIUMINT")),
    ("mysql", "SMALLINT", spec("SmallInteger")),
    ("mysql", "BOOLEAN", spec("Boolean")),
    ("mysql", "VARCHAR(255)", spec("String", length=255)),
    ("mysql", "CHAR(36)", spec("CHAR", length=36)),
    ("mysql", "TEXT", spec("Text")),
    ("mysql", "LONGTEXT", my("LONGTEXT")),
    ("mysql", "MEDIUMTEXT", my("MEDIUMTEXT")),
    ("mysql", "FLOAT", spec("Float")),
    ("mysql", "DOUBLE", spec("Double")),
    ("mysql", "DECIMAL(10,2)", spec("Numeric", precision=10, scale=2)),
    ("mysql", "DECIMAL(10,2) UNSIGNED", my("DECIMAL", precision=10, scale=2, unsigned=True)),
    ("mysql", "DATE", spec("Date")),
    ("mysql", "TIME", spec("Time")),
    ("mysql", "DATETIME", spec("DateTime")),
    ("mysql", "DATETIME(6)", my("DATETIME", fsp=6)),
    ("mysql", "TIMESTAMP", spec("TIMESTAMP")),
    ("mysql", "TIMESTAMP(3)", my("TIMESTAMP", fsp=3)),
    ("mysql", "YEAR", my("YEAR")),
    ("mysql", "BLOB", spec("LargeBinary")),
    ("mysql", "LONGBLOB", my("LONGBLOB")),
    ("mysql", "VARBINARY(16)", spec("VARBINARY", length=16)),
    ("mysql", "BINARY(16)", spec("BINARY", length=16)),
    ("mysql", "JSON", spec("JSON")),
    ("mysql", "ENUM('a','b')", my("ENUM", "a", "b")),
    ("mysql", "SET('x','y')", my("SET", "x", "y")),
    ("mysql", "BIT(1)", my("BIT", length=1)),
]

UNMAPPED = [
    ("sqlite", "TINYINT"),  # no SQLAlchemy type compiles to TINYINT on SQLite
    ("sqlite", "VARCHAR2(10)"),
    ("sqlite", "LONGTEXT"),
    ("sqlite", "FLOAT(10)"),  # SQLAlchemy drops the precision on SQLite
    ("sqlite", "CHARACTER VARYING(5)"),  # reflected as another type than VARCHAR(5)
    ("sqlite", "INT8"),
    ("postgres", "point"),
    ("postgres", "xml"),
    ("postgres", "INT UNSIGNED"),
    ("postgres", "numeric(10, 2)[]x"),
    ("mysql", "BYTEA"),
    ("mysql", "INT SIGNED"),
]


def _parsed(dialect: str, spelled: str) -> sqlglot.exp.DataType:
    tree = sqlglot.parse_one(f"CREATE TABLE t (c {spelled})", read=dialect)
    return tree.this.expressions[0].kind


@pytest.mark.parametrize("dialect, spelled, expected", MAPPINGS)
def test_mapping(dialect: str, spelled: str, expected: TypeSpec) -> None:
    assert type_from_sqlglot(_parsed(dialect, spelled), dialect, spelled=spelled) == expected


@pytest.mark.parametrize("dialect, spelled", UNMAPPED)
def test_no_faithful_type(dialect: str, spelled: str) -> None:
    try:
        dt = _parsed(dialect, spelled)
    except sqlglot.ParseError:
        return
    assert type_from_sqlglot(dt, dialect, spelled=spelled) is None


# ---- compiling back gives the legacy type --------------------------------------------------------

_SQLITE_ALIASES = {"INT": "INTEGER", "BOOL": "BOOLEAN"}
_PG_ALIASES = {
    **dict.fromkeys(("INT", "INT4", "SERIAL", "SERIAL4"), "INTEGER"),
    **dict.fromkeys(("INT8", "BIGSERIAL", "SERIAL8"), "BIGINT"),
    **dict.fromkeys(("INT2", "SMALLSERIAL", "SERIAL2"), "SMALLINT"),
    "CHARACTER VARYING": "VARCHAR",
    "CHARACTER": "CHAR",
    "BOOL": "BOOLEAN",
    "FLOAT4": "REAL",
    "FLOAT8": "DOUBLE PRECISION",
    "DECIMAL": "NUMERIC",
    "TIME": "TIME WITHOUT TIME ZONE",
    "TIMETZ": "TIME WITH TIME ZONE",
    "TIMESTAMP": "TIMESTAMP WITHOUT TIME ZONE",
    "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
}
_MYSQL_ALIASES = {
    "INT": "INTEGER",
    "BOOLEAN": "BOOL",
    "NUMERIC": "DECIMAL",
    "DOUBLE PRECISION": "DOUBLE",
}
_ALIASES = {"sqlite": _SQLITE_ALIASES, "postgres": _PG_ALIASES, "mysql": _MYSQL_ALIASES}


def canonical(text: str, dialect: str) -> tuple[object, ...]:
    """A type's identity on `dialect`: base name after aliases, parameters, modifiers,
    array dimensions, and enum values spelled without spaces."""
    sp = parse_spelling(text)
    words = sp.words.replace('"', "")
    values = "".join(text.split()) if words in ("ENUM", "SET") else ""
    return (_ALIASES[dialect].get(words, words), sp.params, sp.modifiers, sp.dims, values)


@pytest.mark.parametrize("dialect, spelled, expected", MAPPINGS)
def test_compiles_to_the_legacy_type(dialect: str, spelled: str, expected: TypeSpec) -> None:
    compiled = to_sqlalchemy(expected).compile(dialect=SA_DIALECTS[dialect])
    if dialect == "postgres" and spelled.startswith("s."):
        assert compiled == "s.mood"
        return
    assert canonical(compiled, dialect) == canonical(spelled, dialect)


def test_sqlite_stores_the_same_declared_types() -> None:
    """What SQLite records for the legacy DDL and for SQLAlchemy's DDL, column by column."""
    rows = [(spelled, expected) for d, spelled, expected in MAPPINGS if d == "sqlite"]
    legacy = ", ".join(f"c{i} {spelled}" for i, (spelled, _) in enumerate(rows))
    table = sa.Table(
        "t",
        sa.MetaData(),
        *(sa.Column(f"c{i}", to_sqlalchemy(expected)) for i, (_, expected) in enumerate(rows)),
    )
    ddl = str(sa.schema.CreateTable(table).compile(dialect=sqlite.dialect()))
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE legacy ({legacy})")
    con.execute(ddl)
    declared = {
        name: [_sqlite_alias(r[2]) for r in con.execute(f"PRAGMA table_info({name})")]
        for name in ("legacy", "t")
    }
    assert declared["t"] == declared["legacy"]


def _sqlite_alias(declared: str) -> str:
    words = " ".join(declared.upper().replace(", ", ",").split())
    return _SQLITE_ALIASES.get(words, words)


@pytest.mark.postgres
def test_postgres_server_creates_the_same_types(pg_url: str) -> None:
    """PostgreSQL's own format_type() for the legacy column and for SQLAlchemy's column."""
    rows = [(spelled, expected) for d, spelled, expected in MAPPINGS if d == "postgres"]
    engine = sa.create_engine(sa_url(pg_url))
    table = sa.Table(
        "via_sa",
        sa.MetaData(),
        *(sa.Column(f"c{i}", to_sqlalchemy(expected)) for i, (_, expected) in enumerate(rows)),
    )
    legacy = ", ".join(f"c{i} {spelled}" for i, (spelled, _) in enumerate(rows))
    with engine.begin() as con:
        con.execute(
            sa.text(
                "CREATE SCHEMA s; CREATE TYPE mood AS ENUM ('a'); "
                "CREATE TYPE \"Mood\" AS ENUM ('a'); "
                "CREATE TYPE s.mood AS ENUM ('a')"
            )
        )
        con.execute(sa.text(f"CREATE TABLE legacy ({legacy})"))
        table.create(con)
        types = {
            name: con.execute(
                sa.text(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 ORDER BY attnum"
                ),
                {"t": name},
            )
            .scalars()
            .all()
            for name in ("legacy", "via_sa")
        }
    engine.dispose()
    assert types["via_sa"] == types["legacy"]


# ---- from SQLAlchemy models ----------------------------------------------------------------------


class GUID(TypeDecorator[Any]):
    impl = sa.CHAR(32)
    cache_ok = True


class Email(sa.String):
    pass


MODEL_TYPES = [
    (sa.Integer(), "sa.Integer()"),
    (sa.String(50), "sa.String(length=50)"),
    (sa.String(), "sa.String()"),
    (sa.String(20, collation="C"), "sa.String(length=20, collation='C')"),
    (sa.Numeric(10, 2), "sa.Numeric(precision=10, scale=2)"),
    (sa.Float(), "sa.Float()"),
    (sa.DateTime(timezone=True), "sa.DateTime(timezone=True)"),
    (sa.Boolean(), "sa.Boolean()"),
    (sa.Text(), "sa.Text()"),
    (sa.LargeBinary(), "sa.LargeBinary()"),
    (sa.Enum("a", "b", name="status"), "sa.Enum('a', 'b', name='status')"),
    (
        postgresql.ENUM("x", name="kind", create_type=False),
        "postgresql.ENUM('x', name='kind', create_type=False)",
    ),
    (postgresql.JSONB(), "postgresql.JSONB()"),
    (postgresql.ARRAY(sa.Integer()), "postgresql.ARRAY(sa.Integer())"),
    (
        postgresql.TIMESTAMP(timezone=True, precision=3),
        "postgresql.TIMESTAMP(timezone=True, precision=3)",
    ),
    (
        mysql.INTEGER(display_width=11, unsigned=True),
        "mysql.INTEGER(display_width=11, unsigned=True)",
    ),
    (mysql.VARCHAR(10, charset="utf8mb4"), "mysql.VARCHAR(length=10, charset='utf8mb4')"),
    (sa.Uuid(), "sa.Uuid()"),
    (sa.PickleType(), "sa.PickleType()"),
]


@pytest.mark.parametrize("type_, source", MODEL_TYPES)
def test_model_type_renders_like_autogenerate(type_: sa.types.TypeEngine[Any], source: str) -> None:
    assert render_type(type_from_sqlalchemy(type_)) == source


@pytest.mark.parametrize("type_, source", MODEL_TYPES)
def test_model_type_round_trips(type_: sa.types.TypeEngine[Any], source: str) -> None:
    rebuilt = to_sqlalchemy(type_from_sqlalchemy(type_))
    dialect = mysql.dialect() if source.startswith("mysql") else postgresql.dialect()
    assert rebuilt.compile(dialect=dialect) == type_.compile(dialect=dialect)


def test_flask_sqlalchemy_types_are_sqlalchemy_types() -> None:
    flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy")
    db = flask_sqlalchemy.SQLAlchemy()
    assert render_type(type_from_sqlalchemy(db.String(80))) == "sa.String(length=80)"


def test_custom_type_decorator_becomes_its_impl_with_a_note() -> None:
    notes: list[str] = []
    assert type_from_sqlalchemy(GUID(), notes) == spec("CHAR", length=32)
    assert notes == ["custom type GUID is written as its impl type"]


def test_subclass_of_a_sqlalchemy_type_becomes_that_type_with_a_note() -> None:
    notes: list[str] = []
    assert type_from_sqlalchemy(Email(120), notes) == spec("String", length=120)
    assert notes == ["custom type Email is written as String"]


def test_render_type_reprs_every_argument() -> None:
    assert render_type(my("ENUM", "it's", 'say "hi"')) == 'mysql.ENUM("it\'s", \'say "hi"\')'
    nested = pg("ARRAY", spec("String", length=5), dimensions=2)
    assert render_type(nested) == "postgresql.ARRAY(sa.String(length=5), dimensions=2)"


# ---- the legacy types of issue 10, created, reflected and compared on a real database ------------

# (dialect, legacy spelling): each row of docs/types.md.
ROUND_TRIP = [
    ("sqlite", "TIMESTAMP"),
    ("sqlite", "JSON"),
    ("sqlite", "UUID"),
    ("sqlite", "BLOB"),
    ("sqlite", "DOUBLE PRECISION"),
    ("postgres", "TIMESTAMP WITH TIME ZONE"),
    ("postgres", "TIMESTAMP WITHOUT TIME ZONE"),
    ("postgres", "TIMESTAMPTZ"),
    ("postgres", "JSON"),
    ("postgres", "JSONB"),
    ("postgres", "UUID"),
    ("postgres", "INTEGER[]"),
    ("postgres", "TEXT[]"),
    ("postgres", "INET"),
    ("postgres", "CIDR"),
    ("postgres", "INTERVAL"),
    ("postgres", "BYTEA"),
    ("postgres", "CITEXT"),
    ("postgres", "MONEY"),
    ("postgres", "SERIAL"),
    ("postgres", "BIGSERIAL"),
    ("postgres", "DOUBLE PRECISION"),
    ("mysql", "TINYINT(1)"),
    ("mysql", "MEDIUMTEXT"),
    ("mysql", "INT UNSIGNED"),
    ("mysql", "BIGINT UNSIGNED"),
    ("mysql", "SMALLINT(5) UNSIGNED"),
    ("mysql", "BLOB"),
    ("mysql", "DOUBLE PRECISION"),
    ("mysql", "JSON"),
    ("mysql", "TIMESTAMP"),
]


def _reflected(url: str, rows: list[tuple[str, str]], dialect: str, setup: str = "") -> None:
    """Create `legacy` with the legacy spellings and `via_sa` with the mapped types, reflect
    both, and compare each column's reflected type as the dialect spells it."""
    engine = sa.create_engine(sa_url(url))
    specs = [
        type_from_sqlglot(_parsed(dialect, spelled), dialect, spelled=spelled)
        for _, spelled in rows
    ]
    assert None not in specs, [s for (_, s), spec in zip(rows, specs) if spec is None]
    legacy = ", ".join(f"c{i} {spelled}" for i, (_, spelled) in enumerate(rows))
    table = sa.Table(
        "via_sa",
        sa.MetaData(),
        *(sa.Column(f"c{i}", to_sqlalchemy(spec)) for i, spec in enumerate(specs)),  # type: ignore[arg-type]
    )
    with engine.begin() as con:
        if setup:
            con.execute(sa.text(setup))
        con.execute(sa.text(f"CREATE TABLE legacy ({legacy})"))
        table.create(con)
    inspector = sa.inspect(engine)
    types = {
        name: [c["type"].compile(dialect=engine.dialect) for c in inspector.get_columns(name)]
        for name in ("legacy", "via_sa")
    }
    engine.dispose()
    assert list(zip(types["via_sa"], [s for _, s in rows])) == list(
        zip(types["legacy"], [s for _, s in rows])
    )


def test_issue_types_round_trip_on_sqlite(sqlite_url: str) -> None:
    _reflected(sqlite_url, [r for r in ROUND_TRIP if r[0] == "sqlite"], "sqlite")


@pytest.mark.postgres
def test_issue_types_round_trip_on_postgres(pg_url: str) -> None:
    rows = [r for r in ROUND_TRIP if r[0] == "postgres"]
    _reflected(pg_url, rows, "postgres", "CREATE EXTENSION IF NOT EXISTS citext")


def test_issue_types_round_trip_on_mysql(mysql_url: str) -> None:
    _reflected(mysql_url, [r for r in ROUND_TRIP if r[0] == "mysql"], "mysql")


def test_every_round_trip_row_is_in_the_docs() -> None:
    table = (Path(__file__).parents[1] / "docs" / "types.md").read_text()
    for dialect, spelled in ROUND_TRIP:
        assert f"| {dialect} | `{spelled}` |" in table
