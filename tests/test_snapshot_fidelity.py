"""Everything a legacy script can change is read and compared: real SQLite files, PostgreSQL and
MariaDB databases that differ in one kind of object only are told apart, by kind and object
name; two that differ only in spelling are equal; and stamp does not stamp a database that
missed a revision changing only such an object."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from converter.database.snapshot.diff import diff_snapshots, format_diff
from converter.database.snapshot.model import NOT_IN_MODELS, Snapshot
from converter.database.snapshot.read import read_snapshot
from converter.database.urls import connect
from converter.database.verify import VerifyResult
from converter.stamp.chain import load_chain, replay
from converter.stamp.check import decide
from converter.stamp.database import read_live

CLI = str(Path(sys.executable).parent / "legacy2alembic")
SQLITE = "sqlite"
PG = pytest.param("postgres", marks=pytest.mark.postgres)
MYSQL = pytest.param("mysql", marks=pytest.mark.mysql)
DIALECTS = [SQLITE, PG]

NewDb = Callable[[], str]


def build(url: str, statements: list[str]) -> Snapshot:
    """Run `statements` on `url`, then read it."""
    engine = connect(url)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


_PG_FUNCTION = (
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
)

# kind: (dialects, common setup, statements of A, statements of B, the message's fragments)
DIFFERENT = {
    "default": (
        [*DIALECTS, MYSQL],
        [],
        ["CREATE TABLE users (id INTEGER PRIMARY KEY, score INTEGER DEFAULT 0)"],
        ["CREATE TABLE users (id INTEGER PRIMARY KEY, score INTEGER DEFAULT 1)"],
        ["table users: column score default 0 != 1"],
    ),
    "named check": (
        [*DIALECTS, MYSQL],
        [],
        ["CREATE TABLE orders (qty INTEGER, CONSTRAINT ck_qty CHECK (qty > 0))"],
        ["CREATE TABLE orders (qty INTEGER, CONSTRAINT ck_qty CHECK (qty >= 0))"],
        ["table orders: check constraint ck_qty CHECK (qty > 0) != CHECK (qty >= 0)"],
    ),
    "unnamed check": (
        [*DIALECTS, MYSQL],
        [],
        ["CREATE TABLE orders (qty INTEGER CHECK (qty > 0))"],
        ["CREATE TABLE orders (qty INTEGER)"],
        ["table orders: check constraint qty > 0 missing"],
    ),
    "view": (
        [*DIALECTS, MYSQL],
        ["CREATE TABLE invoice (id INTEGER PRIMARY KEY, paid INTEGER)"],
        ["CREATE VIEW open_invoices AS SELECT id FROM invoice WHERE paid = 0"],
        ["CREATE VIEW open_invoices AS SELECT id FROM invoice WHERE paid = 1"],
        ["view open_invoices definition differs: ", "paid = 0", "paid = 1"],
    ),
    "missing view": (
        [*DIALECTS, MYSQL],
        ["CREATE TABLE invoice (id INTEGER PRIMARY KEY, paid INTEGER)"],
        ["CREATE VIEW open_invoices AS SELECT id FROM invoice WHERE paid = 0"],
        [],
        ["view open_invoices missing"],
    ),
    "sqlite trigger": (
        [SQLITE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"],
        ["CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET n = 1; END"],
        ["CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET n = 2; END"],
        ["table t: trigger trg AFTER INSERT UPDATE t SET n = 1 != AFTER INSERT"],
    ),
    "pg trigger": (
        [PG],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY)", _PG_FUNCTION],
        ["CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()"],
        ["CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()"],
        ["table t: trigger trg BEFORE INSERT", "!= AFTER INSERT"],
    ),
    "missing trigger": (
        [SQLITE],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"],
        ["CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET n = 1; END"],
        [],
        ["table t: trigger trg missing"],
    ),
    "mysql trigger": (
        [MYSQL],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"],
        ["CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1"],
        ["CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 2"],
        ["table t: trigger trg BEFORE INSERT SET new.n = 1 != BEFORE INSERT SET new.n = 2"],
    ),
    "mysql trigger timing": (
        [MYSQL],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"],
        ["CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW SET NEW.n = 1"],
        ["CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1"],
        ["table t: trigger trg BEFORE UPDATE", "!= BEFORE INSERT"],
    ),
    "mysql missing trigger": (
        [MYSQL],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"],
        ["CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW BEGIN UPDATE u SET n = 1; END"],
        [],
        ["table t: trigger trg missing"],
    ),
    "partial index": (
        DIALECTS,
        ["CREATE TABLE users (email VARCHAR(50), active INTEGER)"],
        ["CREATE INDEX ix_active ON users (email) WHERE active = 1"],
        ["CREATE INDEX ix_active ON users (email) WHERE active = 0"],
        ["table users: index ix_active (email) WHERE active = 1 != (email) WHERE active = 0"],
    ),
    "expression index": (
        DIALECTS,
        ["CREATE TABLE users (email VARCHAR(50))"],
        ["CREATE INDEX ix_email ON users (lower(email))"],
        ["CREATE INDEX ix_email ON users (upper(email))"],
        ["table users: index ix_email (LOWER(email)) != (UPPER(email))"],
    ),
    "sqlite autoincrement": (
        [SQLITE],
        [],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)"],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY)"],
        ["table t: column id identity autoincrement != (none)"],
    ),
    "pg identity": (
        [PG],
        [],
        ["CREATE TABLE t (id SERIAL PRIMARY KEY)"],
        ["CREATE TABLE t (id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)"],
        ["table t: column id identity serial != by default"],
    ),
    "mysql table comment": (
        [MYSQL],
        [],
        ["CREATE TABLE t (id INTEGER) COMMENT 'people'"],
        ["CREATE TABLE t (id INTEGER) COMMENT 'persons'"],
        ["table t: comment people != persons"],
    ),
    "mysql column comment": (
        [MYSQL],
        [],
        ["CREATE TABLE t (id INTEGER COMMENT 'key')"],
        ["CREATE TABLE t (id INTEGER COMMENT 'the key')"],
        ["table t: column id comment key != the key"],
    ),
    "mysql check of another table": (
        [MYSQL],
        ["CREATE TABLE a (qty INTEGER CHECK (qty > 0))"],
        ["CREATE TABLE b (qty INTEGER CHECK (qty > 0))"],
        ["CREATE TABLE b (qty INTEGER)"],
        ["table b: check constraint qty > 0 missing"],
    ),
    "table comment": (
        [PG],
        ["CREATE TABLE t (id INTEGER)"],
        ["COMMENT ON TABLE t IS 'people'"],
        [],
        ["table t: comment people != (none)"],
    ),
    "column comment": (
        [PG],
        ["CREATE TABLE t (id INTEGER)"],
        ["COMMENT ON COLUMN t.id IS 'key'"],
        ["COMMENT ON COLUMN t.id IS 'the key'"],
        ["table t: column id comment key != the key"],
    ),
    "enum": (
        [PG],
        [],
        ["CREATE TYPE mood AS ENUM ('sad', 'happy')"],
        ["CREATE TYPE mood AS ENUM ('sad', 'happy')", "ALTER TYPE mood ADD VALUE 'ok'"],
        ["enum mood values ('sad', 'happy') != ('sad', 'happy', 'ok')"],
    ),
    "sequence": (
        [PG],
        [],
        ["CREATE SEQUENCE invoice_no"],
        [],
        ["sequence invoice_no missing"],
    ),
    "function": (
        [PG],
        [],
        ["CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x * 2'"],
        ["CREATE FUNCTION twice(x text) RETURNS text LANGUAGE sql AS 'SELECT x || x'"],
        ["function twice(x integer) missing", "extra function twice(x text)"],
    ),
    "other schema": (
        [PG],
        ["CREATE SCHEMA billing"],
        ["CREATE TABLE billing.invoice (id INTEGER PRIMARY KEY, total NUMERIC(10, 2))"],
        ["CREATE TABLE billing.invoice (id INTEGER PRIMARY KEY)"],
        ["table billing.invoice: column total missing"],
    ),
    "other schema's enum": (
        [PG],
        ["CREATE SCHEMA billing"],
        ["CREATE TYPE billing.state AS ENUM ('open', 'paid')"],
        ["CREATE TYPE billing.state AS ENUM ('open')"],
        ["enum billing.state values ('open', 'paid') != ('open')"],
    ),
}


def _cases(table: dict[str, tuple]) -> list[object]:
    cases = []
    for kind, (dialects, *rest) in table.items():
        for dialect in dialects:
            marks = getattr(dialect, "marks", ())
            name = getattr(dialect, "values", (dialect,))[0]
            cases.append(pytest.param(name, kind, *rest, marks=marks, id=f"{name}-{kind}"))
    return cases


@pytest.mark.parametrize(("dialect", "kind", "setup", "a", "b", "fragments"), _cases(DIFFERENT))
def test_databases_differing_in_one_kind_are_told_apart(
    new_db: NewDb,
    dialect: str,
    kind: str,
    setup: list[str],
    a: list[str],
    b: list[str],
    fragments: list[str],
) -> None:
    diffs = diff_snapshots(build(new_db(), setup + a), build(new_db(), setup + b))
    text = format_diff(diffs)
    assert diffs, kind
    for fragment in fragments:
        assert fragment in text


# kind: (dialects, statements of A, statements of B): only the spelling differs
SAME = {
    "default 0 and '0'": (
        [*DIALECTS, MYSQL],
        ["CREATE TABLE t (n INTEGER DEFAULT 0)"],
        ["CREATE TABLE t (n INTEGER DEFAULT '0')"],
    ),
    "default 0::integer": (
        [PG],
        ["CREATE TABLE t (n INTEGER DEFAULT 0)"],
        ["CREATE TABLE t (n INTEGER DEFAULT '0'::integer)"],
    ),
    "now() and CURRENT_TIMESTAMP": (
        [PG],
        ["CREATE TABLE t (at TIMESTAMP DEFAULT now())"],
        ["CREATE TABLE t (at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"],
    ),
    "check formatting": (
        [*DIALECTS, MYSQL],
        ["CREATE TABLE t (qty INTEGER, CONSTRAINT ck_qty CHECK (qty>0))"],
        ["CREATE TABLE t (qty INTEGER, CONSTRAINT ck_qty CHECK ( ( QTY  >  0 ) ))"],
    ),
    "column and table check": (
        [*DIALECTS, MYSQL],
        ["CREATE TABLE t (qty INTEGER CHECK (qty > 0))"],
        ["CREATE TABLE t (qty INTEGER, CHECK ((qty > 0)))"],
    ),
    "check added later": (
        [PG],
        ["CREATE TABLE t (qty INTEGER CHECK (qty > 0))"],
        ["CREATE TABLE t (qty INTEGER)", "ALTER TABLE t ADD CHECK (qty > 0)"],
    ),
    "view formatting": (
        DIALECTS,
        ["CREATE TABLE t (id INTEGER, x INTEGER)", "CREATE VIEW v AS SELECT id FROM t WHERE x=1"],
        [
            "CREATE TABLE t (id INTEGER, x INTEGER)",
            "CREATE VIEW v AS\n  select  ID\n  from T where (x = 1)",
        ],
    ),
    "trigger formatting": (
        [SQLITE],
        [
            "CREATE TABLE t (id INTEGER, n INTEGER)",
            "CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET n=1; END",
        ],
        [
            "CREATE TABLE t (id INTEGER, n INTEGER)",
            "CREATE TRIGGER trg after insert ON t FOR EACH ROW\nBEGIN\n  update t set n = 1;\nEND",
        ],
    ),
    "mysql check added later": (
        [MYSQL],
        ["CREATE TABLE t (qty INTEGER, CHECK (qty > 0))"],
        ["CREATE TABLE t (qty INTEGER)", "ALTER TABLE t ADD CHECK (`qty`>0)"],
    ),
    "mysql view formatting": (
        [MYSQL],
        ["CREATE TABLE t (id INTEGER, x INTEGER)", "CREATE VIEW v AS SELECT id FROM t WHERE x=1"],
        [
            "CREATE TABLE t (id INTEGER, x INTEGER)",
            "CREATE VIEW v AS\n  select  ID\n  from `t` where (t.X = 1)",
        ],
    ),
    "mysql trigger formatting": (
        [MYSQL],
        [
            "CREATE TABLE t (id INTEGER, n INTEGER)",
            "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.n=1",
        ],
        [
            "CREATE TABLE t (id INTEGER, n INTEGER)",
            "CREATE TRIGGER trg before insert ON t FOR EACH ROW\nBEGIN\n  set new.n = 1;\nEND",
        ],
    ),
    "mysql comment empty and none": (
        [MYSQL],
        ["CREATE TABLE t (id INTEGER) COMMENT ''"],
        ["CREATE TABLE t (id INTEGER)"],
    ),
    "partial index formatting": (
        DIALECTS,
        ["CREATE TABLE t (a INTEGER)", "CREATE INDEX ix ON t (a) WHERE a > 1"],
        ["CREATE TABLE t (a INTEGER)", "CREATE INDEX ix ON t (a) WHERE (A>1)"],
    ),
}


@pytest.mark.parametrize(("dialect", "kind", "a", "b"), _cases(SAME))
def test_databases_differing_only_in_spelling_are_equal(
    new_db: NewDb, dialect: str, kind: str, a: list[str], b: list[str]
) -> None:
    first, second = build(new_db(), a), build(new_db(), b)
    assert diff_snapshots(first, second) == [], kind
    assert first == second


@pytest.mark.parametrize("dialect", [*DIALECTS, MYSQL])
def test_a_reference_from_models_does_not_report_what_models_cannot_describe(
    new_db: NewDb, dialect: str
) -> None:
    table = "CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER)"
    models = replace(build(new_db(), [table]), unmodelled=NOT_IN_MODELS)
    built = build(
        new_db(),
        [
            table.replace("qty INTEGER", "qty INTEGER CHECK (qty > 0)"),
            "CREATE VIEW v AS SELECT id FROM t",
        ],
    )
    assert [str(d) for d in diff_snapshots(models, built)] == [
        "table t: extra check constraint qty > 0"
    ]
    report = VerifyResult(True, not_compared=tuple(sorted(NOT_IN_MODELS))).format()
    assert "not compared with the reference (it cannot describe them): functions, " in report


# --- stamp ------------------------------------------------------------------------------------

FIRST = "CREATE TABLE t (id INTEGER PRIMARY KEY, score INTEGER DEFAULT 0, qty INTEGER)"
_REBUILD = [
    "CREATE TABLE t_new (id INTEGER PRIMARY KEY, {columns})",
    "INSERT INTO t_new (id, score, qty) SELECT id, score, qty FROM t",
    "DROP TABLE t",
    "ALTER TABLE t_new RENAME TO t",
]


def _rebuild(columns: str) -> list[str]:
    """SQLite's classic table rebuild giving `t` these columns after `id`."""
    return [s.format(columns=columns) for s in _REBUILD]


# change: (dialect, the statements of the last legacy script)
LAST_CHANGES = {
    "sqlite-default": ("sqlite", _rebuild("score INTEGER DEFAULT 1, qty INTEGER")),
    "sqlite-check": ("sqlite", _rebuild("score INTEGER DEFAULT 0, qty INTEGER CHECK (qty > 0)")),
    "postgres-default": ("postgres", ["ALTER TABLE t ALTER COLUMN score SET DEFAULT 1"]),
    "postgres-check": ("postgres", ["ALTER TABLE t ADD CONSTRAINT ck_qty CHECK (qty > 0)"]),
    "postgres-comment": ("postgres", ["COMMENT ON COLUMN t.score IS 'points'"]),
    "mysql-check": ("mysql", ["ALTER TABLE t ADD CONSTRAINT ck_qty CHECK (qty > 0)"]),
    "mysql-table-comment": ("mysql", ["ALTER TABLE t COMMENT 'scores'"]),
}
_MARKS = {"postgres": [pytest.mark.postgres], "mysql": [pytest.mark.mysql]}


def _stamp_cases() -> list[object]:
    return [pytest.param(d, s, id=k, marks=_MARKS.get(d, [])) for k, (d, s) in LAST_CHANGES.items()]


@pytest.mark.parametrize(("dialect", "last"), _stamp_cases())
def test_a_database_that_missed_an_invisible_change_is_not_stamped_at_head(
    new_db: NewDb, tmp_path: Path, dialect: str, last: list[str]
) -> None:
    scripts = [[FIRST], last]
    folder = tmp_path / "project" / "migrations_manual_sql"
    folder.mkdir(parents=True)
    for number, statements in enumerate(scripts, start=1):
        (folder / f"{number:03d}_step.sql").write_text(";\n".join(statements) + ";\n")
    cli_dialect = "postgresql" if dialect == "postgres" else dialect
    converted = subprocess.run(
        [CLI, "convert", str(tmp_path / "project"), "--dialect", cli_dialect],
        capture_output=True,
        text=True,
        check=False,
    )
    assert converted.returncode == 0, converted.stdout + converted.stderr
    migrations = tmp_path / "project" / "migrations"
    chain = load_chain(migrations)
    missed, complete = new_db(), new_db()
    build(missed, scripts[0])
    build(complete, scripts[0] + scripts[1])
    expected = replay(migrations, chain, dialect, scratch_url=None, servers=[missed])

    outcome = decide(missed, read_live(missed), expected, force=False)
    assert outcome.status == "would-stamp"
    assert outcome.revision == chain[0]
    assert decide(complete, read_live(complete), expected, force=False).revision == chain[-1]
