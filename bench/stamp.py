"""Benchmark: `stamp` on a 1,000-table database under a chain of about 20 revisions.

For SQLite and (with a server URL) PostgreSQL: writes a synthetic legacy project (numbered .sql
files: the first creates most tables, each later one adds tables, columns and indexes),
converts it with `legacy2alembic convert`, builds the database the legacy way (every file in
order), then prints, measured in the same run:

- the chain's replay on a scratch database (paid once per run, not per database);
- reading and comparing the live database (what stamp does per database: read_live + decide)
  next to SQLAlchemy's bulk reflection of it (the Inspector's five `get_multi_*` calls), and
  their ratio (target: at most 2x);
- the same next to the raw catalog floor: plain catalog queries returning the rows stamp needs
  (pg_catalog / sqlite_master and the pragma functions), compared as Python sets (target: at
  most 4x);
- `legacy2alembic stamp --dry-run` of one database and of a fleet of F copies (--url-file),
  and their ratio (target: well under F).

    python bench/stamp.py [--tables 1000] [--revisions 20] [--fleet 20] [--repeat 3]
                          [--pg-url postgresql://...]

Besides tables, columns, keys and indexes, the database has what stamp also compares: server
defaults, CHECK constraints, a partial and an expression index, views and triggers (every 50th
table), and on PostgreSQL comments, an enum type, a sequence, a function and tables in a second
schema.

The PostgreSQL URL defaults to $L2A_PG_URL; every benchmark database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from timing import medians  # bench/timing.py: the script's folder is on sys.path

from converter.database.scratch import scratch_database
from converter.database.urls import connect, with_driver
from converter.stamp.chain import load_chain, replay
from converter.stamp.check import decide
from converter.stamp.database import read_live

CLI = str(Path(sys.executable).parent / "legacy2alembic")
_MULTI = (
    "get_multi_columns",
    "get_multi_pk_constraint",
    "get_multi_indexes",
    "get_multi_unique_constraints",
    "get_multi_foreign_keys",
)
NEW_TABLES_PER_REVISION = 10
COLUMNS_PER_REVISION = 20


# --- the synthetic legacy project -----------------------------------------------------------


def create_table(i: int, dialect: str) -> list[str]:
    stamp = "TIMESTAMP" if dialect == "postgres" else "DATETIME"
    parent = f"t{max(i - 1, 0):04d}"
    name = f"t{i:04d}"
    statements = [
        (
            f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
            f"code VARCHAR(20) UNIQUE, parent_id INTEGER REFERENCES {parent}(id), "
            f"created {stamp} DEFAULT CURRENT_TIMESTAMP, "
            f"amount NUMERIC(10, 2) DEFAULT 0 CHECK (amount >= 0))"
        ),
        f"CREATE INDEX ix_{name}_name ON {name} (name)",
    ]
    if i % 50 == 0:
        statements += [
            f"CREATE INDEX ix_{name}_lower ON {name} (lower(name)) WHERE amount > 0",
            f"CREATE VIEW v_{name} AS SELECT id, name FROM {name} WHERE amount > 0",
            _trigger(name, dialect),
        ]
    if i % 50 == 0 and dialect == "postgres":
        statements.append(f"COMMENT ON TABLE {name} IS 'table {i}'")
    return statements


def _trigger(table: str, dialect: str) -> str:
    if dialect == "postgres":
        return (
            f"CREATE TRIGGER trg_{table} BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION touch()"
        )
    return (
        f"CREATE TRIGGER trg_{table} AFTER UPDATE OF name ON {table} "
        f"BEGIN UPDATE {table} SET created = CURRENT_TIMESTAMP WHERE id = NEW.id; END"
    )


def postgres_objects() -> list[str]:
    """The objects only PostgreSQL has, made before the tables."""
    return [
        "CREATE SCHEMA billing",
        "CREATE TYPE billing.state AS ENUM ('open', 'paid')",
        "CREATE SEQUENCE invoice_no",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.created := now(); RETURN NEW; END $$",
        "CREATE TABLE billing.invoice (id SERIAL PRIMARY KEY, state billing.state NOT NULL, "
        "total NUMERIC(10, 2) DEFAULT 0)",
    ]


def legacy_files(tables: int, revisions: int, dialect: str) -> list[list[str]]:
    """The statements of each legacy .sql file, in order."""
    first = tables - (revisions - 1) * NEW_TABLES_PER_REVISION
    prelude = postgres_objects() if dialect == "postgres" else []
    files = [prelude + [s for i in range(first) for s in create_table(i, dialect)]]
    for r in range(1, revisions):
        start = first + (r - 1) * NEW_TABLES_PER_REVISION
        statements = [
            s
            for i in range(start, start + NEW_TABLES_PER_REVISION)
            for s in create_table(i, dialect)
        ]
        for j in range(COLUMNS_PER_REVISION):
            table = f"t{(r * 37 + j * 41) % first:04d}"
            statements.append(f"ALTER TABLE {table} ADD COLUMN extra_{r} VARCHAR(30)")
            if j % 2 == 0:
                statements.append(f"CREATE INDEX ix_{table}_extra_{r} ON {table} (extra_{r})")
        files.append(statements)
    return files


def write_project(root: Path, files: list[list[str]], dialect: str) -> Path:
    folder = root / "migrations_manual_sql"
    folder.mkdir(parents=True)
    for number, statements in enumerate(files, start=1):
        (folder / f"{number:03d}_step.sql").write_text(";\n".join(statements) + ";\n")
    cli_dialect = "postgresql" if dialect == "postgres" else dialect
    subprocess.run(
        [CLI, "convert", str(root), "--dialect", cli_dialect],
        check=True,
        capture_output=True,
        text=True,
    )
    return root / "migrations"


def build_database(url: str, files: list[list[str]], batch: int = 400) -> None:
    """Run the legacy files in order; PostgreSQL in batches (lock slots per transaction)."""
    engine = connect(url)
    for statements in files:
        for start in range(0, len(statements), batch):
            with engine.begin() as conn:
                for sql in statements[start : start + batch]:
                    conn.exec_driver_sql(sql)
    engine.dispose()


# --- databases ------------------------------------------------------------------------------


@contextmanager
def target_database(dialect: str, tmp: Path, pg_url: str | None) -> Iterator[str]:
    if dialect == "sqlite":
        path = tmp / "target.db"
        sqlite3.connect(path).close()
        yield f"sqlite:///{path}"
    else:
        with scratch_database("postgres", server_url=pg_url) as url:
            yield url


@contextmanager
def copies(url: str, count: int, tmp: Path) -> Iterator[list[str]]:
    """`count` copies of the database (file copies; PostgreSQL: CREATE DATABASE ... TEMPLATE)."""
    parsed = with_driver(url)
    if parsed.get_backend_name() == "sqlite":
        paths = [tmp / f"copy{i}.db" for i in range(count)]
        for path in paths:
            shutil.copyfile(parsed.database or "", path)
        yield [f"sqlite:///{p}" for p in paths]
        return
    admin = connect(
        parsed.set(database="postgres").render_as_string(hide_password=False), autocommit=True
    )
    names = [f"l2a_bench_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        yield [parsed.set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# --- the raw catalog floor ------------------------------------------------------------------

_PG_FLOOR = (
    "SELECT c.oid, c.relname, n.nspname, c.relkind FROM pg_class c JOIN pg_namespace n "
    "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND left(n.nspname, 8) <> 'pg_toast'",
    "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "pg_get_expr(d.adbin, d.adrelid), a.attidentity FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r' "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
    "SELECT conrelid, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname = 'pg_catalog')",
    "SELECT indrelid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid IN "
    "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast'))",
    "SELECT objoid, objsubid, description FROM pg_description WHERE objoid >= 16384",
    "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relkind = 'v' "
    "AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN "
    "('pg_catalog', 'information_schema'))",
    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "SELECT enumtypid, enumlabel FROM pg_enum",
    "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN "
    "('pg_catalog', 'information_schema')",
)
_SQLITE_FLOOR = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master",
    "SELECT m.name, p.* FROM sqlite_master m, pragma_table_xinfo(m.name) p WHERE m.type = 'table'",
    "SELECT m.name, il.name, ii.* FROM sqlite_master m, pragma_index_list(m.name) il, "
    "pragma_index_xinfo(il.name) ii WHERE m.type = 'table'",
    "SELECT m.name, f.* FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
    "WHERE m.type = 'table'",
)


def raw_floor(conn: Connection) -> bool:
    """The catalog rows stamp needs, read plainly and compared with themselves as sets."""
    queries = _PG_FLOOR if conn.dialect.name == "postgresql" else _SQLITE_FLOOR
    rows = [frozenset(conn.exec_driver_sql(q).fetchall()) for q in queries]
    return rows == [frozenset(r) for r in rows]


# --- measuring ------------------------------------------------------------------------------


def cli_stamp(project: Path, *args: str) -> None:
    result = subprocess.run(
        [CLI, "stamp", str(project), "--dry-run", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"stamp failed:\n{result.stdout}\n{result.stderr}")


def bench(dialect: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        files = legacy_files(args.tables, args.revisions, dialect)
        migrations = write_project(tmp / "project", files, dialect)
        with target_database(dialect, tmp, args.pg_url) as url:
            build_database(url, files)
            chain = load_chain(migrations)
            start = time.perf_counter()
            expected = replay(migrations, chain, dialect, scratch_url=None, servers=[url])
            replayed = time.perf_counter() - start
            outcome = decide(url, read_live(url), expected, force=False)
            assert outcome.status == "would-stamp", outcome
            with connect(url).connect() as conn:
                figures = medians(
                    {
                        "bulk": lambda: [getattr(inspect(conn), m)() for m in _MULTI],
                        "floor": lambda: raw_floor(conn),
                        "check": lambda: decide(url, read_live(url), expected, force=False),
                    },
                    args.repeat,
                )
            with copies(url, args.fleet, tmp) as fleet:
                url_file = tmp / "urls.txt"
                url_file.write_text("\n".join(fleet) + "\n")
                figures |= medians(
                    {
                        "one": lambda: cli_stamp(tmp / "project", "--url", url),
                        "fleet": lambda: cli_stamp(tmp / "project", "--url-file", str(url_file)),
                    },
                    max(1, args.repeat - 1),
                )
        report(
            dialect,
            len(chain),
            len(expected.states[-1].tables),
            replayed,
            figures,
            args.fleet,
        )


def report(
    dialect: str, revisions: int, tables: int, replayed: float, f: dict[str, float], fleet: int
) -> None:
    print(f"{dialect}: {tables} tables, {revisions} revisions")
    print(f"  replay of the chain (once per run)   {replayed:7.2f} s")
    print(f"  read + compare one database           {f['check']:7.3f} s")
    print(
        f"  SQLAlchemy bulk reflection (get_multi) {f['bulk']:6.3f} s   "
        f"ratio {f['check'] / f['bulk']:.2f} (target <= 2)"
    )
    print(
        f"  raw catalog floor (plain queries)     {f['floor']:7.3f} s   "
        f"ratio {f['check'] / f['floor']:.2f} (target <= 4)"
    )
    print(f"  stamp --dry-run, 1 database           {f['one']:7.2f} s")
    print(
        f"  stamp --dry-run, fleet of {fleet:<3d}         {f['fleet']:7.2f} s   "
        f"ratio {f['fleet'] / f['one']:.2f} (well under {fleet})"
    )


def main() -> None:
    # SQLAlchemy warns once per expression index it cannot reflect; the figures are what count.
    warnings.filterwarnings("ignore", "Skipped unsupported reflection")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--revisions", type=int, default=20)
    parser.add_argument("--fleet", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg-url", default=os.environ.get("L2A_PG_URL"))
    args = parser.parse_args()
    bench("sqlite", args)
    if args.pg_url:
        bench("postgres", args)
    else:
        print("postgres: skipped (no --pg-url and no L2A_PG_URL)")


if __name__ == "__main__":
    main()
