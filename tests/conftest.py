"""Shared pytest fixtures: the harness on sys.path, PostgreSQL and SQLite database URLs."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


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


def _create_db(server_url: str) -> tuple[str, str]:
    import psycopg2
    from sqlalchemy.engine import make_url

    name = f"l2a_test_{uuid.uuid4().hex[:12]}"
    con = psycopg2.connect(_admin_dsn(server_url))
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
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
    """Call it to get a fresh, empty database URL on the test server; all dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        name, url = _create_db(pg_server_url)
        made.append(name)
        return url

    yield make
    for name in made:
        _drop_db(pg_server_url, name)


@pytest.fixture
def pg_url(pg_url_factory) -> str:
    """A fresh, empty PostgreSQL database for this test (dropped afterwards)."""
    return pg_url_factory()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a not-yet-existing SQLite file in the test's tmp dir."""
    return f"sqlite:///{tmp_path / 'legacy.db'}"


@pytest.fixture
def sqlite_url_factory(tmp_path):
    """Call it to get more SQLite file URLs in the test's tmp dir."""
    counter = iter(range(1, 1_000_000))

    def make() -> str:
        return f"sqlite:///{tmp_path / f'db{next(counter)}.db'}"

    return make
