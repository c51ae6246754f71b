"""Throwaway databases to replay a revision chain or build the reference schema on.

SQLite: a temporary file. A server: the user's `--scratch-url` (checked empty, emptied again
afterwards), or a fresh database created next to `--server-url` and dropped afterwards, even when
the work inside failed or SIGTERM / SIGHUP ended it. A created database is named
`l2a_scratch_<host>_<pid>_<random>`: a kill -9 cannot be cleaned up after, so each run first
drops those left by runs of this host whose process is gone.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from converter.core.dialects import Dialect, find_dialect
from converter.core.errors import DatabaseError, InputError
from converter.core.signals import raising
from converter.database.urls import connect, database_errors, describe_error, mask_url, with_driver

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Inspector

SCRATCH_PREFIX = "l2a_scratch_"
_SYSTEM_SCHEMAS = (
    "information_schema",
    "pg_catalog",
    "pg_toast",
    "mysql",
    "performance_schema",
    "sys",
)


@contextmanager
def scratch_database(
    dialect: Dialect, *, scratch_url: str | None = None, server_url: str | None = None
) -> Iterator[str]:
    """Yield the URL of an empty database of `dialect` that may be changed freely."""
    with raising():
        with _scratch(dialect, scratch_url, server_url) as url:
            yield url


@contextmanager
def _scratch(dialect: Dialect, scratch_url: str | None, server_url: str | None) -> Iterator[str]:
    if dialect == "sqlite":
        with _sqlite_file() as url:
            yield url
    elif scratch_url:
        with _given_database(scratch_url) as url:
            yield url
    elif server_url:
        with _created_database(dialect, server_url) as url:
            yield url
    else:
        raise InputError(
            f"a scratch {dialect} database is needed: pass --scratch-url (an empty database) "
            "or a server URL to create one on"
        )


@contextmanager
def _sqlite_file() -> Iterator[str]:
    handle, path = tempfile.mkstemp(prefix=SCRATCH_PREFIX, suffix=".db")
    os.close(handle)
    try:
        yield f"sqlite:///{path}"
    finally:
        for leftover in (path, path + "-journal", path + "-wal", path + "-shm"):
            with suppress(FileNotFoundError):
                os.remove(leftover)


@contextmanager
def _given_database(url: str) -> Iterator[str]:
    """The user's scratch database: refuse it unless empty; empty it again afterwards."""
    _check_names_database(url)
    engine = connect(url)
    with database_errors(url, "cannot inspect scratch database"), engine.connect() as conn:
        found = _user_objects(conn)
    if found:
        listed = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise DatabaseError(
            f"scratch database {mask_url(url)} is not empty ({listed}); "
            "pass an empty database to --scratch-url"
        )
    try:
        yield url
    finally:
        with database_errors(url, "cannot empty scratch database"):
            _empty(engine)
        engine.dispose()


def _user_objects(conn: Connection) -> list[str]:
    """Tables (PostgreSQL enum types, MySQL routines) outside the system schemas."""
    from sqlalchemy import inspect

    insp = inspect(conn)
    found = []
    for schema in _user_schemas(insp):
        prefix = "" if schema == insp.default_schema_name else f"{schema}."
        found += [f"table {prefix}{t}" for t in insp.get_table_names(schema=schema)]
        if hasattr(insp, "get_enums"):
            found += [f"type {prefix}{e['name']}" for e in insp.get_enums(schema=schema)]
    if find_dialect(conn.dialect.name) is Dialect.MYSQL:
        found += [f"{kind.lower()} {name}" for kind, name in _mysql_routines(conn)]
    return found


def _check_names_database(url: str) -> None:
    """On MySQL a URL without a database reaches every database: never empty that."""
    parsed = with_driver(url)
    if find_dialect(parsed.get_backend_name()) is Dialect.MYSQL and not parsed.database:
        raise InputError(
            f"--scratch-url {mask_url(url)} names no database; on MySQL it must name the one "
            "empty database the tool may change"
        )


def _mysql_routines(conn: Connection) -> list[tuple[str, str]]:
    """(PROCEDURE | FUNCTION | EVENT, name) in the connection's own database, and no other."""
    return [
        (str(kind), str(name))
        for kind, name in conn.exec_driver_sql(
            "SELECT routine_type, routine_name FROM information_schema.routines "
            "WHERE routine_schema = DATABASE() UNION ALL "
            "SELECT 'EVENT', event_name FROM information_schema.events "
            "WHERE event_schema = DATABASE() ORDER BY 1, 2"
        )
    ]


def _empty(engine: Engine) -> None:
    """Drop every view, table, sequence and enum type outside the system schemas.

    On MySQL: the routines and events of the URL's own database too (triggers go with tables).
    """
    from sqlalchemy import inspect

    with engine.begin() as conn:
        insp = inspect(conn)
        quote = conn.dialect.identifier_preparer.quote
        cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
        if find_dialect(conn.dialect.name) is Dialect.MYSQL:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for kind, name in _mysql_routines(conn):
                conn.exec_driver_sql(f"DROP {kind} IF EXISTS {quote(name)}")
        for schema in _user_schemas(insp):
            for kind, names in (
                ("VIEW", insp.get_view_names(schema=schema)),
                ("TABLE", insp.get_table_names(schema=schema)),
            ):
                for name in names:
                    conn.exec_driver_sql(
                        f"DROP {kind} IF EXISTS {quote(schema)}.{quote(name)}{cascade}"
                    )
            if conn.dialect.name == "postgresql":
                _drop_pg_types(conn, schema)


def _user_schemas(insp: Inspector) -> list[str]:
    """The schemas scratch work may touch. A MySQL schema is a database: only the URL's own."""
    if find_dialect(insp.dialect.name) is Dialect.MYSQL:
        return [insp.default_schema_name] if insp.default_schema_name else []
    return [
        s for s in insp.get_schema_names() if s not in _SYSTEM_SCHEMAS and not s.startswith("pg_")
    ]


def _drop_pg_types(conn: Connection, schema: str) -> None:
    """Sequences, enum and domain types survive DROP TABLE; drop them too."""
    from sqlalchemy import text

    quote = conn.dialect.identifier_preparer.quote
    rows = conn.execute(
        text(
            "SELECT c.relname, 'SEQUENCE' FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind = 'S' UNION ALL "
            "SELECT t.typname, 'TYPE' FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = :s AND t.typtype IN ('e', 'd')"
        ),
        {"s": schema},
    ).fetchall()
    for name, kind in rows:
        conn.exec_driver_sql(f"DROP {kind} IF EXISTS {quote(schema)}.{quote(name)} CASCADE")


@contextmanager
def _created_database(dialect: Dialect, server_url: str) -> Iterator[str]:
    """CREATE DATABASE l2a_scratch_<random> on the server; DROP it afterwards, always."""
    admin = _maintenance_engine(dialect, server_url)
    _drop_stale(admin, server_url)
    name = f"{SCRATCH_PREFIX}{_host_tag()}_{os.getpid()}_{secrets.token_hex(6)}"
    _create(admin, name, server_url)
    url = with_driver(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    except BaseException:
        with suppress(DatabaseError):
            _drop(admin, name, server_url)
        raise
    _drop(admin, name, server_url)


_OWNED = re.compile(rf"^{SCRATCH_PREFIX}([0-9a-f]{{8}})_(\d+)_[0-9a-f]{{12}}$")


def _host_tag() -> str:
    """This host, in a few characters a database name can hold."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _drop_stale(admin: Engine, server_url: str) -> None:
    """Drop the scratch databases that runs on this host left behind when killed (their
    process is gone); those of live runs and of other hosts are left alone."""
    sql = {
        Dialect.POSTGRES: "SELECT datname FROM pg_database",
        Dialect.MYSQL: "SELECT schema_name FROM information_schema.schemata",
    }.get(find_dialect(admin.dialect.name) or Dialect.SQLITE)
    if sql is None:
        return
    with suppress(DatabaseError), database_errors(server_url, "cannot list databases on"):
        with admin.connect() as conn:
            names = [row[0] for row in conn.exec_driver_sql(sql)]
        for name in names:
            owned = _OWNED.match(name)
            if owned and owned[1] == _host_tag() and not _alive(int(owned[2])):
                _drop(admin, name, server_url)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _maintenance_engine(dialect: Dialect, server_url: str) -> Engine:
    """An AUTOCOMMIT engine on the server's maintenance database (else the URL's own one)."""
    parsed = with_driver(server_url)
    candidates = ["postgres", parsed.database] if dialect == "postgres" else [parsed.database]
    error: DatabaseError | None = None
    for database in dict.fromkeys(candidates):
        url = parsed.set(database=database).render_as_string(hide_password=False)
        try:
            return connect(url, autocommit=True)
        except DatabaseError as exc:
            error = error or exc
    assert error is not None
    raise error


def _create(admin: Engine, name: str, server_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except DBAPIError as exc:
        raise DatabaseError(
            f"cannot create a scratch database on {mask_url(server_url)}: "
            f"{describe_error(exc, server_url)}; pass --scratch-url with an empty database "
            "instead"
        ) from None


def _drop(admin: Engine, name: str, server_url: str) -> None:
    """Drop the scratch database, ending any connection still open on it first."""
    with database_errors(server_url, f"cannot drop scratch database {name} on"):
        with admin.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
