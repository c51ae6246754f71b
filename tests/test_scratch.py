"""Scratch database lifecycle, and connecting with errors a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from converter.core.errors import DatabaseError, InputError
from converter.database.scratch import SCRATCH_PREFIX, scratch_database
from converter.database.urls import connect, dialect_of, mask_url, with_driver


def databases(server: str) -> set[str]:
    with connect(server).connect() as conn:
        return {r[0] for r in conn.exec_driver_sql("SELECT datname FROM pg_database")}


def table_names(url: str) -> list[str]:
    with connect(url).connect() as conn:
        return sa.inspect(conn).get_table_names()


# --- SQLite --------------------------------------------------------------------------------


def test_sqlite_scratch_is_an_empty_file_removed_afterwards() -> None:
    with scratch_database("sqlite") as url:
        path = Path(sa.engine.make_url(url).database or "")
        assert path.name.startswith(SCRATCH_PREFIX) and path.exists()
        assert table_names(url) == []
        with connect(url).begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER)")
    assert not path.exists()


def test_sqlite_scratch_removed_after_an_error() -> None:
    with pytest.raises(RuntimeError), scratch_database("sqlite") as url:
        path = Path(sa.engine.make_url(url).database or "")
        raise RuntimeError("boom")
    assert not path.exists()


def test_server_scratch_needs_a_url() -> None:
    with pytest.raises(InputError, match="--scratch-url"), scratch_database("postgres"):
        pass


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_scratch_created_and_dropped(pg_server_url: str) -> None:
    with scratch_database("postgres", server_url=pg_server_url) as url:
        name = sa.engine.make_url(url).database
        assert name and name.startswith(SCRATCH_PREFIX) and name in databases(pg_server_url)
        assert table_names(url) == []
        engine = connect(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER)")
        leftover = engine.connect()  # still open when the block ends: terminated, then dropped
        leftover.exec_driver_sql("SELECT 1")
    assert name not in databases(pg_server_url)
    leftover.invalidate()


@pytest.mark.postgres
def test_postgres_scratch_dropped_after_an_error(pg_server_url: str) -> None:
    with pytest.raises(KeyError), scratch_database("postgres", server_url=pg_server_url) as url:
        name = sa.engine.make_url(url).database
        assert name in databases(pg_server_url)
        raise KeyError("boom")
    assert name not in databases(pg_server_url)


@pytest.fixture
def given_db(pg_server_url: str) -> Iterator[str]:
    """An empty database the test hands over as --scratch-url."""
    with scratch_database("postgres", server_url=pg_server_url) as url:
        yield url


@pytest.mark.postgres
def test_scratch_url_used_as_is_and_emptied_afterwards(given_db: str, pg_server_url: str) -> None:
    with scratch_database("postgres", scratch_url=given_db, server_url=pg_server_url) as url:
        assert url == given_db
        with connect(url).begin() as conn:
            conn.exec_driver_sql("CREATE TYPE mood AS ENUM ('a', 'b')")
            conn.exec_driver_sql("CREATE TABLE p (id SERIAL PRIMARY KEY, m mood)")
            conn.exec_driver_sql("CREATE TABLE c (p_id INTEGER REFERENCES p (id))")
            conn.exec_driver_sql("CREATE VIEW v AS SELECT id FROM p")
            conn.exec_driver_sql("CREATE SEQUENCE s")
    with scratch_database("postgres", scratch_url=given_db) as url:  # empty again: accepted
        assert table_names(url) == []


@pytest.mark.postgres
def test_scratch_url_with_tables_is_refused(given_db: str) -> None:
    with connect(given_db).begin() as conn:
        conn.exec_driver_sql("CREATE TABLE users (id INTEGER)")
    with (
        pytest.raises(DatabaseError, match=r"is not empty \(table users\)"),
        scratch_database("postgres", scratch_url=given_db),
    ):
        pass
    assert table_names(given_db) == ["users"]  # refused, and left alone


@pytest.mark.postgres
def test_create_database_not_permitted_says_to_pass_scratch_url(pg_server_url: str) -> None:
    role = "l2a_test_nocreatedb"
    admin = connect(pg_server_url, autocommit=True)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOCREATEDB")
    try:
        url = with_driver(pg_server_url).set(username=role, password="s3cret")
        before = databases(pg_server_url)
        with (
            pytest.raises(DatabaseError) as info,
            scratch_database("postgres", server_url=url.render_as_string(False)),
        ):
            pass
        message = str(info.value)
        assert "permission denied to create database" in message
        assert "--scratch-url" in message and "s3cret" not in message
        assert databases(pg_server_url) == before
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")


# --- MySQL / MariaDB -----------------------------------------------------------------------

BYSTANDER_DDL = (
    "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL)",
    "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, body TEXT, "
    "FOREIGN KEY (user_id) REFERENCES users (id))",
    "INSERT INTO users (name) VALUES ('ada'), ('bob')",
    "INSERT INTO posts VALUES (1, 1, 'hello'), (2, 2, NULL)",
    "CREATE VIEW named AS SELECT name FROM users",
    "CREATE PROCEDURE touch_users() UPDATE users SET name = name",
    "CREATE TRIGGER posts_guard BEFORE INSERT ON posts FOR EACH ROW SET NEW.body = NEW.body",
)


def mysql_databases(server: str) -> set[str]:
    with connect(server).connect() as conn:
        return {r[0] for r in conn.exec_driver_sql("SHOW DATABASES")}


def mysql_fingerprint(url: str) -> str:
    """sha256 over every table's SHOW CREATE and rows, views, routines and triggers of `url`."""
    import hashlib

    digest = hashlib.sha256()
    with connect(url).connect() as conn:
        for (table,) in conn.exec_driver_sql("SHOW TABLES").fetchall():
            digest.update(repr(conn.exec_driver_sql(f"SHOW CREATE TABLE `{table}`").all()).encode())
            rows = conn.exec_driver_sql(f"SELECT * FROM `{table}`").all()
            digest.update(repr(sorted(rows, key=repr)).encode())
        for query in (
            "SELECT routine_type, routine_name, routine_definition FROM information_schema.routines"
            " WHERE routine_schema = DATABASE() ORDER BY 1, 2",
            "SELECT trigger_name, action_statement FROM information_schema.triggers"
            " WHERE trigger_schema = DATABASE() ORDER BY 1",
        ):
            digest.update(repr(conn.exec_driver_sql(query).all()).encode())
    return digest.hexdigest()


@pytest.fixture
def bystander(mysql_url_factory) -> str:
    """A database next to the scratch one, full of things scratch work must never touch."""
    url = mysql_url_factory()
    with connect(url, autocommit=True).connect() as conn:
        for statement in BYSTANDER_DDL:
            conn.exec_driver_sql(statement)
    return url


def fill_like_a_chain(url: str) -> None:
    """What a replayed chain leaves in a scratch database: tables, FKs, a view, routines."""
    with connect(url, autocommit=True).connect() as conn:
        for statement in BYSTANDER_DDL:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("CREATE FUNCTION answer() RETURNS INT DETERMINISTIC RETURN 42")


@pytest.mark.mysql
def test_mysql_scratch_url_emptied_and_nothing_else_touched(
    mysql_url_factory, bystander: str
) -> None:
    given = mysql_url_factory()
    before = mysql_fingerprint(bystander)
    with scratch_database("mysql", scratch_url=given) as url:
        assert url == given
        fill_like_a_chain(url)
    assert mysql_fingerprint(bystander) == before
    with scratch_database("mysql", scratch_url=given) as url:  # empty again, routines too
        fill_like_a_chain(url)
    assert table_names(given) == []
    assert mysql_fingerprint(bystander) == before


@pytest.mark.mysql
def test_mysql_scratch_url_with_a_procedure_is_refused(mysql_url_factory) -> None:
    given = mysql_url_factory()
    with connect(given).begin() as conn:
        conn.exec_driver_sql("CREATE PROCEDURE p() SELECT 1")
    with (
        pytest.raises(DatabaseError, match=r"is not empty \(procedure p\)"),
        scratch_database("mysql", scratch_url=given),
    ):
        pass


@pytest.mark.mysql
def test_mysql_scratch_url_must_name_a_database(mysql_server_url: str, bystander: str) -> None:
    before = mysql_fingerprint(bystander)
    with (
        pytest.raises(InputError, match="names no database"),
        scratch_database("mysql", scratch_url=mysql_server_url),
    ):
        pass
    assert mysql_fingerprint(bystander) == before


@pytest.mark.mysql
def test_mysql_scratch_created_and_dropped(mysql_server_url: str, bystander: str) -> None:
    before = mysql_fingerprint(bystander)
    with scratch_database("mysql", server_url=mysql_server_url) as url:
        name = sa.engine.make_url(url).database
        assert name and name.startswith(SCRATCH_PREFIX) and name in mysql_databases(url)
        fill_like_a_chain(url)
    assert name not in mysql_databases(mysql_server_url)
    assert mysql_fingerprint(bystander) == before


# --- URLs and connection errors ------------------------------------------------------------


def test_mask_url_hides_the_password() -> None:
    assert mask_url("postgresql://me:s3cret@db.example/app") == "postgresql://me:***@db.example/app"
    assert mask_url("sqlite:///app.db") == "sqlite:///app.db"
    assert "s3cret" not in mask_url("::not a url me:s3cret@host")


def test_dialect_of() -> None:
    assert dialect_of("postgresql+psycopg2://h/db") == "postgres"
    assert dialect_of("postgresql://h/db") == "postgres"
    assert dialect_of("sqlite:///x.db") == "sqlite"
    assert dialect_of("mysql+pymysql://h/db") == "mysql"
    with pytest.raises(InputError, match="unsupported database 'mssql'"):
        dialect_of("mssql+pyodbc://h/db")
    with pytest.raises(InputError, match="not a database URL"):
        dialect_of("nonsense")


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseError, match="database file does not exist"):
        connect(f"sqlite:///{path}")
    assert not path.exists()


@pytest.mark.postgres
def test_connection_errors_are_one_clear_line(pg_server_url: str) -> None:
    base = with_driver(pg_server_url)
    missing_db = base.set(database="l2a_no_such_db").render_as_string(False)
    with pytest.raises(DatabaseError, match='database "l2a_no_such_db" does not exist'):
        connect(missing_db)
    refused = base.set(port=1, password="pw123").render_as_string(False)
    with pytest.raises(DatabaseError) as info:
        connect(refused)
    assert "Connection refused" in str(info.value) and "pw123" not in str(info.value)
    assert "\n" not in str(info.value) and ":***@" in str(info.value)
