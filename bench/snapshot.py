"""Benchmark: read_snapshot against SQLAlchemy's bulk reflection of the same database.

Builds a SQLite file and (when a server URL is given) a PostgreSQL database with N tables, each
with six columns, two indexes, a UNIQUE constraint and a foreign key, then prints, per database,
the median time of `read_snapshot` (reading and normalising), of the Inspector's five
`get_multi_*` calls, of diffing two equal snapshots, and the ratio snapshot / bulk.

    python bench/snapshot.py [--tables 1000] [--repeat 3] [--pg-url postgresql://...]

The PostgreSQL URL defaults to $L2A_PG_URL; the benchmark database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import inspect
from timing import medians  # bench/timing.py: the script's folder is on sys.path

from converter.database.scratch import scratch_database
from converter.database.snapshot.diff import diff_snapshots
from converter.database.snapshot.read import read_snapshot
from converter.database.urls import connect

_MULTI = (
    "get_multi_columns",
    "get_multi_pk_constraint",
    "get_multi_indexes",
    "get_multi_unique_constraints",
    "get_multi_foreign_keys",
)


def schema_sql(tables: int, dialect: str) -> str:
    """DDL for `tables` tables chained by foreign keys."""
    stamp = "TIMESTAMP" if dialect == "postgres" else "DATETIME"
    statements = []
    for i in range(tables):
        parent = f"t{max(i - 1, 0)}"
        statements += [
            (
                f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
                f"code VARCHAR(20) UNIQUE, parent_id INTEGER REFERENCES {parent}(id) "
                f"ON DELETE CASCADE, created {stamp}, amount NUMERIC(10, 2))"
            ),
            f"CREATE INDEX ix_t{i}_name ON t{i} (name)",
            f"CREATE UNIQUE INDEX ux_t{i}_name_created ON t{i} (name, created)",
        ]
    return ";\n".join(statements) + ";\n"


def measure(url: str, repeat: int) -> dict[str, float]:
    """Median seconds of read_snapshot, bulk reflection and a diff, on one connection."""
    with connect(url).connect() as conn:
        snapshot, other = read_snapshot(conn), read_snapshot(conn)
        figures = medians(
            {
                "bulk": lambda: [getattr(inspect(conn), m)() for m in _MULTI],
                "snapshot": lambda: read_snapshot(conn),
                "diff": lambda: diff_snapshots(snapshot, other),
            },
            repeat,
        )
    return {"tables": len(snapshot.tables), **figures}


def build_sqlite(path: Path, tables: int) -> str:
    with sqlite3.connect(path) as db:
        db.executescript(schema_sql(tables, "sqlite"))
    return f"sqlite:///{path}"


def build_postgres(url: str, tables: int, batch: int = 200) -> None:
    """In batches: one transaction creating thousands of tables runs out of lock slots."""
    engine = connect(url)
    statements = [s for s in schema_sql(tables, "postgres").split(";\n") if s.strip()]
    per_table = 3
    for start in range(0, len(statements), batch * per_table):
        with engine.begin() as conn:
            conn.exec_driver_sql(";\n".join(statements[start : start + batch * per_table]))


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name:10} {figures['tables']:6d} tables  read_snapshot {figures['snapshot']:.3f} s  "
        f"bulk get_multi_* {figures['bulk']:.3f} s  "
        f"ratio {figures['snapshot'] / figures['bulk']:.2f}"
        f"  diff {figures['diff'] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg-url", default=os.environ.get("L2A_PG_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = build_sqlite(Path(tmp) / "bench.db", args.tables)
        report("sqlite", measure(url, args.repeat))
    if not args.pg_url:
        print("postgres   skipped (no --pg-url and no L2A_PG_URL)")
        return
    with scratch_database("postgres", server_url=args.pg_url) as url:
        build_postgres(url, args.tables)
        report("postgres", measure(url, args.repeat))


if __name__ == "__main__":
    main()
