"""Reading a target database (read-only) and writing its version row (one locked transaction).

Reading: one transaction, rolled back; on PostgreSQL a REPEATABLE READ, READ ONLY one, so the
schema and the version table are read from one consistent state and nothing can be written.

Writing: one transaction that first takes a lock against a concurrent stamp, re-reads the
version table and the schema, refuses if the version table changed since it was read or the
schema no longer matches the revision (someone changed it during the confirmation), and only
then writes with Alembic's own `MigrationContext.stamp`. PostgreSQL: a transaction-scoped
advisory lock on a constant key. MySQL: `GET_LOCK` on a name derived from the database's name (a
named lock is server-wide and held by the session; the NullPool connection closes after the
commit, which releases it), in a READ COMMITTED transaction, so the re-read after the lock sees a
row another stamp committed.
SQLite: the transaction starts with BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe:
the driver's own implicit BEGIN is switched off), which takes the database's write lock before
anything is read, so the version table cannot change under it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from converter.core.dialects import Dialect, find_dialect
from converter.core.errors import DatabaseError
from converter.database.alembic_chain import current_heads, stamp
from converter.database.snapshot.model import Snapshot
from converter.database.urls import connect, database_errors
from converter.stamp.chain import read_schema
from converter.stamp.data_probe import Probe

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# pg_advisory_xact_lock takes a bigint: the first 8 bytes of sha256("legacy2alembic").
ADVISORY_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"legacy2alembic").digest()[:8], "big", signed=True
)
# How long a stamp waits for another one writing the same database.
LOCK_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Live:
    """A target as read: its schema, the revisions in its version table, and what the data
    probes found (revision id -> one verdict per data statement; see stamp.data_probe)."""

    schema: Snapshot
    heads: tuple[str, ...]
    probes: Mapping[str, tuple[Probe, ...]] = field(default_factory=dict)


# Given the connection and the schema just read, probe the data; runs in the read transaction.
ProbeData = Callable[["Connection", Snapshot], Mapping[str, tuple[Probe, ...]]]


def read_live(url: str, probe_data: ProbeData | None = None) -> Live:
    """Read the schema and version table of `url` without changing anything; `probe_data`
    runs its read-only probes in the same read-only transaction."""
    engine = connect(url)
    try:
        with database_errors(url, "cannot read"), engine.connect() as conn:
            _read_only(conn)
            schema = read_schema(conn)
            probes = probe_data(conn, schema) if probe_data else {}
            live = Live(schema, current_heads(conn), probes)
            conn.rollback()
        return live
    finally:
        engine.dispose()


def _read_only(conn: Connection) -> None:
    name = conn.dialect.name
    if name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    elif name == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
    elif find_dialect(name) is Dialect.MYSQL:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


@dataclass(frozen=True)
class WriteResult:
    """`written`, or the version table found changed (`heads`) since it was read, or the
    schema found no longer matching (`schema`, as re-read under the lock)."""

    written: bool
    heads: tuple[str, ...]
    schema: Snapshot | None = None


def write_stamp(
    url: str,
    migrations: Path,
    revision: str,
    *,
    read_heads: tuple[str, ...],
    replace: bool,
    schema_matches: Callable[[Snapshot], bool],
    before_commit: Callable[[], None] | None = None,
) -> WriteResult:
    """Stamp `url` at `revision` unless its version table no longer holds `read_heads` or its
    schema, re-read under the lock, no longer `schema_matches` the revision.

    `replace`: the rows found are deleted first (re-stamping with --force, also from a
    revision this chain does not know). `before_commit` runs inside the write transaction,
    after the row is written (tests pause there to race or kill a stamp).
    """
    engine = _writer(url)
    try:
        with (
            database_errors(url, "cannot stamp"),
            engine.connect() as conn,
            conn.begin() as transaction,
        ):
            _lock(conn)
            heads = current_heads(conn)
            if heads != read_heads:
                transaction.rollback()
                return WriteResult(False, heads)
            schema = read_schema(conn)
            if not schema_matches(schema):
                transaction.rollback()
                return WriteResult(False, heads, schema)
            stamp(conn, migrations, revision, replace=replace and bool(heads))
            if before_commit is not None:
                before_commit()
        return WriteResult(True, (revision,))
    finally:
        engine.dispose()


def _writer(url: str) -> Engine:
    engine = connect(url)
    if engine.dialect.name == "sqlite":
        _begin_immediate(engine)
    elif find_dialect(engine.dialect.name) is Dialect.MYSQL:
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    return engine


def _begin_immediate(engine: Engine) -> None:
    from sqlalchemy import event

    def no_driver_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT_SECONDS * 1000}")

    def begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", no_driver_begin)
    event.listen(engine, "begin", begin)


def _lock(conn: Connection) -> None:
    """Wait at most LOCK_TIMEOUT_SECONDS for a concurrent stamp (a lock timeout is an error)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
    elif find_dialect(conn.dialect.name) is Dialect.MYSQL:
        _mysql_lock(conn)


def _mysql_lock(conn: Connection) -> None:
    """GET_LOCK on `legacy2alembic:<sha1 of the database name>` (lock names are server-wide)."""
    got = conn.exec_driver_sql(
        f"SELECT GET_LOCK(CONCAT('legacy2alembic:', SHA1(DATABASE())), {LOCK_TIMEOUT_SECONDS})"
    ).scalar()
    if got != 1:
        raise DatabaseError(
            f"another stamp held the lock on this database for {LOCK_TIMEOUT_SECONDS} s"
        )
