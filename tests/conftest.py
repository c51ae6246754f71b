"""Shared pytest fixtures: the harness on sys.path; PostgreSQL, MySQL and SQLite database URLs.

Before any test runs, the session checks that it tests this checkout: the `converter` it imports,
its templates (mapped to `converter.templates` only by an install) and the code the console
script runs must all be this checkout's, or every result would be about some other copy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

ROOT = Path(_TESTS).parent
CLI = Path(sys.executable).parent / "legacy2alembic"
SETUP_HINT = "run `make setup` in this checkout (or `pip install -e '.[test]'` in its virtualenv)"

# Prints where `converter` and its templates come from, as seen by the interpreter running it.
_WHERE = (
    "import importlib.resources, converter, converter.cli\n"
    "print(converter.__file__)\n"
    "print(importlib.resources.files('converter.templates'))\n"
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop before the first test when this checkout is not the code under test."""
    problems = checkout_problems(ROOT)
    if problems:
        pytest.exit(
            "not testing this checkout:\n  " + "\n  ".join(problems) + f"\n{SETUP_HINT}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


def checkout_problems(root: Path) -> list[str]:
    """What the tests import, or the console script runs, that does not come from `root`."""
    problems = _located_problems(root, _in_process(), "the tests import")
    if not CLI.is_file():
        return [*problems, f"no `legacy2alembic` console script beside {sys.executable}"]
    return problems + _located_problems(root, _console_script_sees(), f"{CLI} runs")


def _in_process() -> tuple[str, str]:
    """Where this interpreter finds `converter` and `converter.templates`."""
    import converter

    try:
        spec = importlib.util.find_spec("converter.templates")
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return str(converter.__file__), "nowhere (an install maps templates/ to it)"
    return str(converter.__file__), list(spec.submodule_search_locations)[0]


def _console_script_sees() -> tuple[str, str]:
    """Where the console script's interpreter finds them, run from the script's own folder.

    A script has its folder first on sys.path, as `-c` has its working directory.
    """
    result = subprocess.run(
        [_interpreter(CLI), "-c", _WHERE],
        cwd=CLI.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 2:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"nowhere ({last})", "nowhere"
    return lines[0], lines[1]


def _interpreter(script: Path) -> str:
    """The Python a pip-written script runs: its #! line, or the exec line after `#!/bin/sh`."""
    head = script.read_text(encoding="utf-8", errors="replace").splitlines()[:2]
    first = head[0][2:].strip() if head and head[0].startswith("#!") else ""
    if first.endswith("/sh") and len(head) > 1:
        found = re.match(r"'''exec' \"?([^\"]+)\"?", head[1])
        return found.group(1) if found else sys.executable
    return first or sys.executable


def _located_problems(root: Path, found: tuple[str, str], who: str) -> list[str]:
    expected = (root / "converter" / "__init__.py", root / "templates")
    names = ("converter", "converter.templates")
    return [
        f"{who} {name} from {where}, not {want}"
        for name, where, want in zip(names, found, expected)
        if not _same_path(where, want)
    ]


def _same_path(found: str, expected: Path) -> bool:
    try:
        return Path(found).resolve() == expected.resolve()
    except (OSError, ValueError):
        return False


def _server_url() -> str | None:
    return os.environ.get("L2A_PG_URL") or None


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a PostgreSQL server where we may create databases (env L2A_PG_URL).

    Unset: the test is skipped, except under CI (env CI set), where it fails: CI must run them.
    """
    url = _server_url()
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "L2A_PG_URL is not set but CI is: PostgreSQL tests must run in CI "
                "(start a server with .ci/start-postgres)",
                pytrace=False,
            )
        pytest.skip(
            "PostgreSQL tests need L2A_PG_URL (e.g. postgresql://l2a@127.0.0.1:54329/postgres)"
        )
    import psycopg2

    try:
        psycopg2.connect(_admin_dsn(url)).close()
    except psycopg2.OperationalError as e:
        pytest.fail(f"cannot connect to L2A_PG_URL: {e}", pytrace=False)
    return url


def _admin_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def _create_db(server_url: str, template: str | None = None) -> tuple[str, str]:
    """A new database, empty or a copy of `template` (a database URL on the same server)."""
    import psycopg2
    from sqlalchemy.engine import make_url

    name = f"l2a_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{make_url(template).database}"' if template else ""
    con = psycopg2.connect(_admin_dsn(server_url))
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        con.close()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_db(server_url: str, name: str) -> None:
    import psycopg2

    con = psycopg2.connect(_admin_dsn(server_url))
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        con.close()


@pytest.fixture
def pg_url_factory(pg_server_url):
    """Call it to get a fresh database URL on the test server, empty or a copy of the
    database `template` names; all dropped afterwards."""
    made: list[str] = []

    def make(template: str | None = None) -> str:
        name, url = _create_db(pg_server_url, template)
        made.append(name)
        return url

    yield make
    for name in made:
        _drop_db(pg_server_url, name)


@pytest.fixture
def pg_url(pg_url_factory) -> str:
    """A fresh, empty PostgreSQL database for this test (dropped afterwards)."""
    return pg_url_factory()


@pytest.fixture(scope="session")
def mysql_server_url() -> str:
    """URL of a MySQL / MariaDB server where we may create databases (env L2A_MYSQL_URL).

    Unset: the test is skipped, except under CI (env CI set), where it fails: CI must run them.
    """
    url = os.environ.get("L2A_MYSQL_URL") or None
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "L2A_MYSQL_URL is not set but CI is: MySQL tests must run in CI "
                "(start a server with .ci/start-mariadb)",
                pytrace=False,
            )
        pytest.skip(
            "MySQL tests need L2A_MYSQL_URL (e.g. mysql+pymysql://l2a:l2a@127.0.0.1:33069/)"
        )
    from sqlalchemy.exc import OperationalError

    try:
        _mysql_exec(url, "SELECT 1")
    except OperationalError as e:
        pytest.fail(f"cannot connect to L2A_MYSQL_URL: {e.orig}", pytrace=False)
    return url


def _mysql_exec(server_url: str, sql: str) -> None:
    """Run one statement on the server's own connection (no database selected), autocommit."""
    from sqlalchemy import create_engine

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@pytest.fixture
def mysql_url_factory(mysql_server_url):
    """Call it for a fresh, empty MySQL database URL on the test server; all dropped afterwards."""
    from sqlalchemy.engine import make_url

    made: list[str] = []

    def make() -> str:
        name = f"l2a_test_{uuid.uuid4().hex[:12]}"
        _mysql_exec(mysql_server_url, f"CREATE DATABASE `{name}`")
        made.append(name)
        return make_url(mysql_server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in made:
        _mysql_exec(mysql_server_url, f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def mysql_url(mysql_url_factory) -> str:
    """A fresh, empty MySQL database for this test (dropped afterwards)."""
    return mysql_url_factory()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a not-yet-existing SQLite file in the test's tmp dir."""
    return f"sqlite:///{tmp_path / 'legacy.db'}"


@pytest.fixture(scope="session")
def legacy_sqlite(tmp_path_factory: pytest.TempPathFactory):
    """SQLite databases built the legacy way, each prefix of a fixture's history once per
    session (see legacy.LegacyTemplates): `copy(fixture, url, k)`, or `url(fixture, k)` to copy."""
    from legacy import LegacyTemplates, sqlite_files

    root = tmp_path_factory.mktemp("legacy_templates")
    return LegacyTemplates(root, sqlite_files(root))


@pytest.fixture
def sqlite_url_factory(tmp_path):
    """Call it to get more SQLite file URLs in the test's tmp dir."""
    counter = iter(range(1, 1_000_000))

    def make() -> str:
        return f"sqlite:///{tmp_path / f'db{next(counter)}.db'}"

    return make


@pytest.fixture
def new_db(request: pytest.FixtureRequest):
    """A factory of empty databases of the test's dialect (parametrized as `dialect`), each
    dropped after the test."""
    from converter.database.scratch import scratch_database

    dialect = request.node.callspec.params["dialect"]
    servers = {"postgres": "pg_server_url", "mysql": "mysql_server_url"}
    server = request.getfixturevalue(servers[dialect]) if dialect in servers else None
    made: list = []

    def make() -> str:
        cm = scratch_database(dialect, server_url=server)
        made.append(cm)
        return cm.__enter__()

    yield make
    for cm in reversed(made):
        cm.__exit__(None, None, None)
