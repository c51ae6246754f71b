"""Hostile and odd input, as a repository the user did not write can hold (issue 13, input side).

Nothing outside the project is read or echoed; FIFOs, devices and odd names never hang the run
or end it in an internal error (exit 3): each is exit 2 with `file:line` and nothing written, or
works. The console script runs in a subprocess, as in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).parent / "legacy2alembic")
SECRET = "L2A_SECRET_PASSWORD=hunter2"
SQL_DIR = "migrations_manual_sql"


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, check=False, timeout=timeout
    )


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def benign(tmp_path: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    """A project with one ordinary source, and a secret file beside (outside) it."""
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    files: dict[str, str | bytes] = {f"{SQL_DIR}/001_create.sql": "CREATE TABLE t (id INT);\n"}
    return make(tmp_path / "project", {**files, **(extra or {})})


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def assert_refused(result: subprocess.CompletedProcess[str], project: Path, where: str) -> None:
    """Exit 2, the message starts at `where`, no traceback, no secret, nothing written."""
    assert result.returncode == 2, output(result)
    assert result.stderr.startswith(f"error: {where}"), result.stderr
    assert "Traceback" not in output(result)
    assert SECRET not in output(result)
    assert not (project / "migrations").exists()


def convert(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("convert", str(project), "--dialect", "sqlite", *args)


def written(project: Path) -> str:
    versions = project / "migrations" / "versions"
    return "".join(p.read_text() for p in sorted(versions.glob("*.py")))


# --- item 1: nothing outside the project is read or echoed -------------------------------------


def test_a_symlinked_source_leading_outside_is_listed_never_read(tmp_path: Path) -> None:
    project = benign(tmp_path)
    (project / SQL_DIR / "002_env.sql").symlink_to(tmp_path / "secret.txt")
    scanned = run("scan", str(project), "--dialect", "sqlite")
    assert scanned.returncode == 0, output(scanned)
    assert SECRET not in output(scanned)
    assert f"{SQL_DIR}/002_env.sql: warning: symlink to" in scanned.stdout
    converted = convert(project)
    assert converted.returncode == 0, output(converted)
    assert SECRET not in output(converted) + written(project)
    assert "002_env" not in written(project)


def test_proc_self_environ_never_lands_in_a_revision(tmp_path: Path) -> None:
    project = benign(tmp_path)
    (project / SQL_DIR / "002_env.sql").symlink_to("/proc/self/environ")
    result = run("convert", str(project), "--dialect", "sqlite", timeout=60)
    assert result.returncode == 0, output(result)
    assert "PATH=" not in written(project) + output(result)


def test_an_order_setting_outside_the_project_is_refused_unread(tmp_path: Path) -> None:
    secret = str(tmp_path / "secret.txt")
    project = benign(tmp_path, {"pyproject.toml": f'[tool.legacy2alembic]\norder = "{secret}"\n'})
    result = convert(project)
    assert_refused(result, project, "pyproject.toml:2:")
    assert "resolves outside the project" in result.stderr


def test_an_order_setting_through_a_symlink_is_refused(tmp_path: Path) -> None:
    project = benign(tmp_path, {"pyproject.toml": '[tool.legacy2alembic]\norder = "order.txt"\n'})
    (project / "order.txt").symlink_to(tmp_path / "secret.txt")
    assert_refused(convert(project), project, "pyproject.toml:2:")


@pytest.mark.parametrize("glob", ["/etc/*.sql", "../*.sql", "sql/../../x/*.sql"])
def test_globs_reaching_outside_are_refused(tmp_path: Path, glob: str) -> None:
    setting = f'[tool.legacy2alembic]\nsql-globs = ["{glob}"]\n'
    project = benign(tmp_path, {"pyproject.toml": setting})
    assert_refused(convert(project), project, "pyproject.toml:2:")


SCRIPT = "import sqlite3\nconn = sqlite3.connect('app.db')\nconn.executescript(open({!r}).read())\n"


def test_a_script_reading_a_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    secret = str(tmp_path / "secret.txt")
    project = benign(tmp_path, {"migrate_x.py": SCRIPT.format(secret)})
    assert_refused(convert(project), project, "migrate_x.py:3:")


def test_a_script_reading_a_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = benign(tmp_path, {"migrate_x.py": SCRIPT.format("data.sql")})
    (project / "data.sql").symlink_to(tmp_path / "secret.txt")
    assert_refused(convert(project), project, "migrate_x.py:3:")


def test_an_order_file_the_user_names_may_live_outside(tmp_path: Path) -> None:
    """The user's own --order path is trusted (they chose it); see docs/decisions.md."""
    project = benign(tmp_path)
    (tmp_path / "order.txt").write_text(f"{SQL_DIR}/001_create.sql\n")
    result = convert(project, "--order", str(tmp_path / "order.txt"))
    assert result.returncode == 0, output(result)


# --- item 6: internal errors and hangs become exit 2 with file:line, or work -------------------


def test_sqlglot_failing_on_odd_postgres_sql_keeps_the_exact_text(tmp_path: Path) -> None:
    project = make(tmp_path / "p", {f"{SQL_DIR}/001_a.sql": "UPDATE t SET a = b ?;\n"})
    result = run("convert", str(project), "--dialect", "postgresql")
    assert result.returncode == 0, output(result)
    assert "UPDATE t SET a = b ?" in written(project)


def test_a_string_of_500_plus_terms_is_folded(tmp_path: Path) -> None:
    terms = " + ".join(["'x'"] * 499 + ["'; CREATE TABLE big (id INT)'"])
    script = f"import sqlite3\nconn = sqlite3.connect('a.db')\nconn.executescript({terms})\n"
    project = make(tmp_path / "p", {"migrate_big.py": script})
    result = convert(project)
    assert result.returncode == 0, output(result)
    assert "'big'" in written(project)


def test_a_file_name_that_is_not_utf8_is_exit_2(tmp_path: Path) -> None:
    project = benign(tmp_path)
    name = os.fsencode(str(project / SQL_DIR)) + b"/002_\xff.sql"
    with open(name, "wb") as handle:
        handle.write(b"CREATE TABLE u (id INT);\n")
    assert_refused(convert(project), project, f"{SQL_DIR}/002_\\xff.sql:")


def test_a_symlink_to_dev_zero_is_never_read(tmp_path: Path) -> None:
    project = benign(tmp_path)
    (project / SQL_DIR / "002_zero.sql").symlink_to("/dev/zero")
    result = convert(project)
    assert result.returncode == 0, output(result)
    assert "002_zero.sql: warning: symlink to /dev/zero" in result.stdout


def test_a_fifo_source_is_exit_2_not_a_hang(tmp_path: Path) -> None:
    project = benign(tmp_path)
    os.mkfifo(project / "migrate_x.py")
    assert_refused(convert(project), project, "migrate_x.py: not a regular file (a FIFO)")


def test_a_fifo_order_file_is_exit_2_not_a_hang(tmp_path: Path) -> None:
    project = benign(tmp_path)
    os.mkfifo(tmp_path / "order")
    result = convert(project, "--order", str(tmp_path / "order"))
    assert result.returncode == 2, output(result)
    assert "not a regular file (a FIFO)" in result.stderr


def test_a_source_over_10_mib_is_refused(tmp_path: Path) -> None:
    project = benign(tmp_path, {f"{SQL_DIR}/002_big.sql": b"-- x\n" * (2 * 1024 * 1024 + 1)})
    assert_refused(convert(project), project, f"{SQL_DIR}/002_big.sql: larger than 10 MiB")


@pytest.mark.parametrize(
    "body",
    [
        'conn.executescript("SELECT 1;" * 5000000)\n',
        "rows = ['a']\nfor _ in range(30):\n    rows = rows + rows\n"
        "conn.executescript(';'.join(rows))\n",
    ],
)
def test_huge_folded_values_are_a_todo_not_minutes(tmp_path: Path, body: str) -> None:
    script = "import sqlite3\nconn = sqlite3.connect('a.db')\n" + body
    project = make(tmp_path / "p", {"migrate_big.py": script})
    started = time.monotonic()
    result = convert(project, "--dry-run")
    assert time.monotonic() - started < 30
    assert result.returncode == 0, output(result)
    assert "todo: port by hand" in result.stdout
    assert "value too large to fold" in result.stdout


def test_sql_on_one_line_splits_in_linear_time() -> None:
    """50k statements on one line split about as fast as on 50k lines (was quadratic)."""
    from converter.extract.sql import split_sql

    statements = [f"INSERT INTO t VALUES ({i});" for i in range(50_000)]
    timings = []
    for separator in (" ", "\n"):
        started = time.perf_counter()
        assert len(split_sql(separator.join(statements), "a.sql", "sqlite")) == 50_000
        timings.append(time.perf_counter() - started)
    assert timings[0] < 3 * timings[1] + 0.5, timings


@pytest.mark.postgres
def test_a_reference_database_with_a_partial_index(tmp_path: Path, pg_url: str) -> None:
    import sqlalchemy
    from legacy import sa_url

    engine = sqlalchemy.create_engine(sa_url(pg_url), poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INT PRIMARY KEY, a INT)")
        conn.exec_driver_sql("CREATE INDEX ix_a ON t (a) WHERE a > 0")
    engine.dispose()
    sql = "CREATE TABLE t (id INT PRIMARY KEY, a INT);\nCREATE INDEX ix_a ON t (a) WHERE a > 0;\n"
    project = make(tmp_path / "p", {f"{SQL_DIR}/001_a.sql": sql})
    result = run("convert", str(project), "--dialect", "postgresql", "--reference-url", pg_url)
    assert result.returncode == 0, output(result)
    assert "postgresql_where=sa.text('a > 0')" in written(project)


# --- item 7: check never says ok about a file it could not read ---------------------------------


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("from models import db\ndb.create_all()\ndef f(:\n    pass\n", "app.py:3: cannot parse"),
        ("from models import db\ndb.create_all()\ntype X = int\n", "app.py:3: cannot parse"),
        (b"from models import db\ndb.create_all()\nx = '\xff'\n", "app.py:3: cannot decode"),
    ],
    ids=["syntax error", "newer syntax", "not UTF-8"],
)
def test_check_fails_on_files_it_cannot_read(
    tmp_path: Path, source: str | bytes, where: str
) -> None:
    if "type X" in str(source) and sys.version_info >= (3, 12):
        pytest.skip("`type X = int` is valid syntax on this Python")
    project = make(tmp_path / "p", {"app.py": source})
    result = run("check", str(project))
    assert result.returncode == 1, output(result)
    assert result.stdout.startswith(where), result.stdout
    assert "ok:" not in result.stdout


# --- the models module: imported only from the project -----------------------------------------


def test_models_found_outside_the_project_are_not_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    outside = make(tmp_path / "outside", {"evil_models.py": f"open({str(marker)!r}, 'w')\n"})
    project = benign(tmp_path)
    (project / "evil_models.py").symlink_to(outside / "evil_models.py")
    result = convert(project, "--models", "evil_models:db")
    assert_refused(result, project, "--models evil_models:db: 'evil_models' is found outside")
    assert not marker.exists()


def test_models_of_another_installed_package_are_not_imported(tmp_path: Path) -> None:
    project = benign(tmp_path)
    result = convert(project, "--models", "click:db")
    assert_refused(result, project, "--models click:db: 'click' is found outside the project")
