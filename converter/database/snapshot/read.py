"""Read a live schema into a snapshot, read-only.

SQLite and PostgreSQL are read by their own catalog readers (`sqlite`, `postgres`): one query per
kind of object for the whole database. Other servers are read with the Inspector's bulk
`get_multi_*` calls (tables, their columns, keys and indexes); on MySQL and MariaDB the `mysql`
reader adds CHECKs, table comments, views and triggers from information_schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from converter.core.dialects import Dialect as Target
from converter.core.dialects import find_dialect
from converter.core.gc_pause import gc_paused
from converter.database.snapshot.model import IGNORED_TABLES, EnumType, Snapshot
from converter.database.snapshot.mysql import read_mysql_objects
from converter.database.snapshot.normalize import Reflected, normalized_table
from converter.database.snapshot.postgres import read_postgres
from converter.database.snapshot.sqlite import read_sqlite

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect


def read_snapshot(conn: Connection, schema: str | None = None) -> Snapshot:
    """Read the schema on `conn` (PostgreSQL: every non-system schema, or only `schema`);
    changes nothing."""
    with gc_paused():
        return _read_snapshot(conn, schema)


def _read_snapshot(conn: Connection, schema: str | None) -> Snapshot:
    dialect = conn.dialect
    if dialect.name == "sqlite":
        reflected = read_sqlite(conn, schema)
    elif dialect.name == "postgresql":
        reflected = read_postgres(conn, schema)
    else:
        reflected = _read_inspector(conn, schema)
    tables = tuple(
        normalized_table(name, reflected, dialect, schema) for name in sorted(reflected.columns)
    )
    enums = tuple(
        sorted(
            (EnumType(e["name"], tuple(e["labels"])) for e in reflected.enums), key=lambda e: e.name
        )
    )
    return Snapshot(
        tables,
        enums,
        tuple(reflected.views),
        tuple(reflected.triggers),
        tuple(reflected.sequences),
        tuple(reflected.functions),
        dialect=_dialect_name(dialect),
    )


def _dialect_name(dialect: Dialect) -> str:
    return find_dialect(dialect.name) or dialect.name


def _read_inspector(conn: Connection, schema: str | None) -> Reflected:
    """Bulk reflection: one catalog query per kind of object for the whole schema."""
    from sqlalchemy import inspect

    insp = inspect(conn)

    def by_table(result: Mapping[tuple[str | None, str], Any]) -> dict[str, Any]:
        return {name: value for (_, name), value in result.items() if name not in IGNORED_TABLES}

    reflected = Reflected(
        columns=by_table(insp.get_multi_columns(schema=schema)),
        pks=by_table(insp.get_multi_pk_constraint(schema=schema)),
        indexes=by_table(insp.get_multi_indexes(schema=schema)),
        uniques=by_table(insp.get_multi_unique_constraints(schema=schema)),
        fks=by_table(insp.get_multi_foreign_keys(schema=schema)),
    )
    if hasattr(insp, "get_enums"):
        reflected.enums = list(insp.get_enums(schema=schema))
    if find_dialect(conn.dialect.name) is Target.MYSQL:
        reflected.charsets = {
            name: _charset(options)
            for name, options in by_table(insp.get_multi_table_options(schema=schema)).items()
        }
        read_mysql_objects(conn, reflected)
    return reflected


def _charset(options: Mapping[str, Any]) -> str:
    """A MySQL table's default character set and collation, as one comparable text."""
    charset = options.get("mysql_default charset") or options.get("mysql_charset") or "?"
    collate = options.get("mysql_collate")
    return f"{charset} COLLATE {collate}" if collate else str(charset)
