"""Benchmark: `convert` end to end against sqlglot's own parse of the same statements.

Generates a synthetic legacy project (N tables, statements spread over K files, half .sql and
half migrate_*.py), then measures in separate child processes, in the same run:
- floor: sqlglot.parse_one over every statement (the parse the tool cannot avoid);
- convert: the whole pipeline (discover, extract, parse, lower, plan, render, write), once in
  one process (--jobs 1) and once as the CLI runs it by default (sources analysed in one worker
  process per CPU for big projects).
Prints time, statements/second and peak RSS of each (for the parallel run: the main process and
the largest worker), and the ratios (targets: time <= 1.5x, memory <= 2x), for several sizes so
linearity shows. Never asserts: figures are for reading.

    python bench/convert.py                  # 500, 1000, 2000 tables
    python bench/convert.py --tables 5000    # one size
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DIALECT = "sqlite"


def table_statements(i: int) -> list[str]:
    t = f"table_{i:05d}"
    return [
        f"CREATE TABLE {t} (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(50) NOT NULL, "
        f"owner_id INTEGER REFERENCES table_{max(i - 1, 0):05d}(id), created DATETIME, "
        f"score NUMERIC(10, 2) DEFAULT 0)",
        f"ALTER TABLE {t} ADD COLUMN note TEXT",
        f"ALTER TABLE {t} ADD COLUMN flag BOOLEAN DEFAULT 0 NOT NULL",
        f"CREATE INDEX ix_{t}_name ON {t} (name)",
        f"CREATE UNIQUE INDEX ux_{t}_owner_name ON {t} (owner_id, name)",
        f"INSERT INTO {t} (name, score) VALUES ('seed {i}', {i % 100}.5)",
        f"UPDATE {t} SET note = 'n:' || name WHERE note IS NULL",
    ]


def generate(root: Path, tables: int, files: int) -> list[str]:
    statements = [s for i in range(tables) for s in table_statements(i)]
    per_file = -(-len(statements) // files)
    sql_dir = root / "migrations_manual_sql"
    sql_dir.mkdir(parents=True)
    for k in range(files):
        chunk = statements[k * per_file : (k + 1) * per_file]
        if k % 2 == 0:
            (sql_dir / f"{k:04d}_part.sql").write_text(";\n".join(chunk) + ";\n")
        else:
            body = ",\n".join(f"    {s!r}" for s in chunk)
            (root / f"migrate_{k:04d}_part.py").write_text(
                "import sqlite3\n\nSTATEMENTS = [\n" + body + ",\n]\n\n"
                "conn = sqlite3.connect('app.db')\nfor sql in STATEMENTS:\n"
                "    conn.execute(sql)\nconn.commit()\n"
            )
    return statements


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_floor(root: Path) -> dict[str, float]:
    import sqlglot

    statements = json.loads((root / "statements.json").read_text())
    start = time.perf_counter()
    for sql in statements:
        sqlglot.parse_one(sql, read=DIALECT)
    return {
        "seconds": time.perf_counter() - start,
        "statements": len(statements),
        "peak_mb": peak_mb(),
    }


def child_convert(root: Path, jobs: int | None) -> dict[str, float]:
    from converter.commands.pipeline import ConvertOptions, convert
    from converter.core.config import load_config
    from converter.core.diagnostics import Diagnostics

    started = time.perf_counter()
    import converter.extract  # noqa: F401
    import converter.lower.dispatch  # noqa: F401
    import converter.plan.baseline  # noqa: F401  start-up cost, paid once: measured apart
    import converter.render.file  # noqa: F401
    import converter.render.scaffold  # noqa: F401

    imports = time.perf_counter() - started
    from converter.core.fanout import auto_jobs

    size = sum(p.stat().st_size for p in root.rglob("*") if p.suffix in (".sql", ".py"))
    out = root / f"migrations-{jobs or 'auto'}"
    options = ConvertOptions(dialect=DIALECT, out=out, jobs=jobs)
    start = time.perf_counter()
    result = convert(root, load_config(root), options, Diagnostics())
    seconds = time.perf_counter() - start
    statements = sum(len(s.records) for s in result.analysis.sources)
    # Children are the workers (and git, whose figure is the forked parent's): report the largest.
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "statements": statements,
        "peak_mb": peak_mb(),
        "worker_peak_mb": workers,
        "revisions": len(result.revisions),
        "imports": imports,
        "jobs": jobs or auto_jobs(size),
    }


def measure(kind: str, root: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def run_size(tables: int, files: int) -> None:
    with tempfile.TemporaryDirectory(prefix="l2a-bench-") as tmp:
        root = Path(tmp) / "project"
        statements = generate(root, tables, files)
        (root / "statements.json").write_text(json.dumps(statements))
        floor = measure("floor", root)
        serial = measure("convert-1", root)
        auto = measure("convert-auto", root)
    n = floor["statements"]
    print(
        f"{tables:>6} tables {n:>7} statements {files:>4} files | "
        f"sqlglot parse {floor['seconds']:7.2f} s ({n / floor['seconds']:8.0f} stmt/s, "
        f"{floor['peak_mb']:6.0f} MB)",
        flush=True,
    )
    for label, conv in (("--jobs 1", serial), ("default", auto)):
        parallel = label == "default" and conv["jobs"] > 1
        workers = (
            f", {conv['jobs']} workers, largest {conv['worker_peak_mb']:4.0f} MB"
            if parallel
            else ""
        )
        memory = max(conv["peak_mb"], conv["worker_peak_mb"] if parallel else 0)
        ratio = conv["seconds"] / floor["seconds"]
        print(
            f"    convert {label:8} {conv['seconds']:7.2f} s "
            f"({conv['statements'] / conv['seconds']:8.0f} stmt/s, main process "
            f"{conv['peak_mb']:4.0f} MB{workers}) | time x{ratio:.2f}"
            f" (target <= 1.5), memory x{memory / floor['peak_mb']:.2f} (target <= 2); "
            f"start-up imports {conv['imports']:.2f} s not counted",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="*", default=[500, 1000, 2000])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, root = args.child
        if kind == "floor":
            print(json.dumps(child_floor(Path(root))))
        else:
            jobs = kind.removeprefix("convert-")
            print(json.dumps(child_convert(Path(root), None if jobs == "auto" else int(jobs))))
        return
    import sqlglot.tokens

    print(
        f"sqlglot {sqlglot.__version__}, compiled extension: "
        f"{getattr(sqlglot.tokens, 'SQLGLOTC_INSTALLED', False)}"
    )
    for tables in args.tables:
        run_size(tables, args.files)


if __name__ == "__main__":
    main()
