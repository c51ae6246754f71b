"""The revision chain as `stamp` sees it: its revisions in order, the dialect it was converted
for, and the schema expected before the first and after every revision.

The expected schemas come from replaying the chain one revision at a time on a scratch database
of the chain's dialect (never on a target), reading the schema after each step. The replay is
paid once per run and shared by every database of a fleet.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from converter.core import progress
from converter.core.dialects import Dialect, find_dialect
from converter.core.errors import DatabaseError, InputError, MigrationFailed
from converter.database.alembic_chain import Stepper, load_revisions
from converter.database.scratch import scratch_database
from converter.database.snapshot.diff import Difference, diff_snapshots
from converter.database.snapshot.model import Column, Snapshot, Table
from converter.database.snapshot.read import read_snapshot
from converter.database.urls import (
    connect,
    database_errors,
    dialect_of,
    mask_url,
    with_driver,
)
from converter.render.scaffold import recorded_dialect
from converter.stamp.data_probe import data_statements

if TYPE_CHECKING:
    from alembic.script import Script
    from sqlalchemy.engine import Connection, Engine

# (table, column, attribute): a column attribute the legacy sources never stated.
Unknown = tuple[str, str, str]
# What each attribute of `unknown_before` reads as in a snapshot column, once not compared.
_MASKED: dict[str, dict[str, object]] = {
    "type": {"type": ""},
    "nullable": {"nullable": True},
    "default": {"default": None},
    "identity": {"identity": None},
}


@dataclass(frozen=True)
class ChainRevision:
    """One revision: its id, the first line of its message, the legacy sources it stands for."""

    id: str
    message: str
    sources: tuple[str, ...]
    data: tuple[str, ...] = ()  # its data statements (INSERT / UPDATE / DELETE), in order
    # What the sources never said of the schema before it (see Revision.unknown_before).
    unknown_before: tuple[Unknown, ...] = ()

    @property
    def label(self) -> str:
        return ", ".join(self.sources) if self.sources else self.message


def load_chain(migrations: Path) -> list[ChainRevision]:
    """The folder's revisions from base to head; a branched chain is an input error."""
    revisions, heads = load_revisions(migrations)
    if len(heads) > 1 or any(isinstance(r.down_revision, (tuple, list)) for r in revisions):
        raise InputError(
            f"{migrations}: the chain has branches ({', '.join(sorted(heads))}); "
            "merge them before stamping"
        )
    if not revisions:
        raise InputError(f"{migrations}: no revisions to stamp")
    return [_chain_revision(r) for r in revisions]


def _chain_revision(script: Script) -> ChainRevision:
    sources = tuple(path for path, *_ in getattr(script.module, "legacy_sources", ()) or ())
    doc = (script.doc or "").strip().splitlines()
    data = data_statements(Path(script.path))
    unknown = unknown_before(Path(script.path))
    return ChainRevision(script.revision, doc[0] if doc else "", sources, data, unknown)


def unknown_before(path: Path) -> tuple[Unknown, ...]:
    """The revision file's `unknown_before` constant, read with ast (not run); () if absent or
    not a tuple of (table, column, attribute) strings."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "unknown_before" for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return ()
            return tuple(
                item
                for item in value
                if isinstance(item, tuple)
                and len(item) == 3
                and all(isinstance(part, str) for part in item)
            )
    return ()


def chain_dialect(migrations: Path, configured: str | None, urls: Sequence[str]) -> Dialect:
    """The chain's dialect: recorded in the folder, else the project's setting, else the URLs'.

    Every URL must share it: the revisions are written for one dialect.
    """
    chosen = recorded_dialect(migrations) or find_dialect(configured or "")
    dialects = {url: dialect_of(url) for url in urls}
    chosen = chosen or next(iter(dialects.values()))
    wrong = [
        f"{mask_url(url)} is a {d} database but the chain in {migrations} is for {chosen}"
        for url, d in dialects.items()
        if d != chosen
    ]
    if wrong:
        raise DatabaseError("\n".join(wrong))
    return chosen


# --- schemas --------------------------------------------------------------------------------


def read_schema(conn: Connection) -> Snapshot:
    """Everything stamp compares of the database on `conn` (see `read_snapshot`); read-only."""
    return read_snapshot(conn)


def diff_schemas(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """Every difference, of every kind the snapshot reads: the replayed chain describes all."""
    return diff_snapshots(expected, actual)


# --- expected schemas -----------------------------------------------------------------------


class Expected:
    """The expected schema before the first revision (index 0) and after each one (index i is
    after chain[i - 1]), with a fingerprint per state so that matching a live schema costs
    one dictionary lookup per live table, not a full comparison per revision."""

    def __init__(self, chain: Sequence[ChainRevision], states: Sequence[Snapshot]) -> None:
        self.chain = list(chain)
        self.states = list(states)
        self._table_ids: dict[Table, int] = {}
        self.unknown = [
            frozenset(u for r in self.chain[i:] for u in r.unknown_before)
            for i in range(len(self.states))
        ]
        self._prints = [
            self._fingerprint(masked(s, self.unknown[i]), learn=True)
            for i, s in enumerate(self.states)
        ]

    def revision(self, index: int) -> ChainRevision | None:
        """The revision whose expected schema is state `index` (None: before the first)."""
        return self.chain[index - 1] if index > 0 else None

    def index_of(self, revision: ChainRevision) -> int:
        """The index of the state `revision` leaves."""
        return self.chain.index(revision) + 1

    def matches(self, live: Snapshot) -> list[int]:
        """Indexes of every state equal to `live`, oldest first, in what each state knows."""
        live_prints: dict[frozenset[Unknown], tuple[object, ...]] = {}
        found = []
        for i, fp in enumerate(self._prints):
            unknown = self.unknown[i]
            if unknown not in live_prints:
                live_prints[unknown] = self._fingerprint(masked(live, unknown), learn=False)
            if live_prints[unknown] == fp:
                found.append(i)
        return found

    def same_as(self, index: int, matches: Sequence[int]) -> list[int]:
        """The states of `matches` up to `index` that equal it in full: those that match a
        live schema only because they leave something unknown are not the same schema."""
        state = self.states[index]
        return [i for i in matches if i <= index and self.states[i] == state]

    def diff(self, index: int, live: Snapshot) -> list[Difference]:
        """What differs between state `index` and `live`, but for what that state leaves
        unknown."""
        unknown = self.unknown[index]
        return [
            d
            for d in diff_schemas(self.states[index], live)
            if not (
                d.kind.startswith("column.")
                and (d.table, d.name, d.kind.split(".", 1)[1]) in unknown
            )
        ]

    def not_compared(self, index: int) -> list[str]:
        """What state `index` leaves unknown, by the revision that first states it."""
        return [
            f"not compared: {_by_column(r.unknown_before)}, unknown before {r.label}"
            for r in self.chain[index:]
            if r.unknown_before
        ]

    def _fingerprint(self, schema: Snapshot, *, learn: bool) -> tuple[object, ...]:
        ids: list[object] = []
        for table in schema.tables:
            table_id = self._table_ids.get(table)
            if table_id is None:
                table_id = len(self._table_ids) if learn else -1 - len(ids)
                if learn:
                    self._table_ids[table] = table_id
            ids.append(table_id)
        return tuple(ids), schema.objects


def _by_column(unknown: Sequence[Unknown]) -> str:
    """`tasks.done default/nullable, tasks.title type`."""
    columns: dict[str, list[str]] = {}
    for table, column, attribute in unknown:
        columns.setdefault(f"{table}.{column}", []).append(attribute)
    return ", ".join(f"{name} {'/'.join(attributes)}" for name, attributes in columns.items())


def masked(schema: Snapshot, unknown: frozenset[Unknown]) -> Snapshot:
    """`schema` with the unknown column attributes set to one value, so they compare equal."""
    if not unknown:
        return schema
    tables = tuple(
        replace(t, columns=tuple(_masked_column(t.name, c, unknown) for c in t.columns))
        if any(u[0] == t.name for u in unknown)
        else t
        for t in schema.tables
    )
    return replace(schema, tables=tables)


def _masked_column(table: str, column: Column, unknown: frozenset[Unknown]) -> Column:
    changes: dict[str, object] = {}
    for attribute, value in _MASKED.items():
        if (table, column.name, attribute) in unknown:
            changes.update(value)
    return replace(column, **changes) if changes else column  # type: ignore[arg-type]


def replay(
    migrations: Path,
    chain: Sequence[ChainRevision],
    dialect: Dialect,
    *,
    scratch_url: str | None,
    servers: Sequence[str],
) -> Expected:
    """Upgrade a scratch database one revision at a time, reading the schema after each.

    A failing revision is the chain's fault: MigrationFailed as verify words it, saying where
    it ran (nothing has been written to any target yet)."""
    with _scratch(dialect, scratch_url, servers) as url:
        engine = connect(url)
        try:
            with (
                database_errors(url, "lost the scratch database"),
                progress.task("replaying the chain", len(chain)),
            ):
                states = list(_replay_states(engine, migrations, chain))
        except MigrationFailed as exc:
            note = " (replaying the chain on a scratch database; nothing written)"
            raise MigrationFailed(exc.message + note, exc.origin) from None
        finally:
            engine.dispose()
    return Expected(chain, states)


def _replay_states(
    engine: Engine, migrations: Path, chain: Sequence[ChainRevision]
) -> Iterator[Snapshot]:
    """The schema before the first revision, then after each, on one connection."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            _throwaway_sqlite(conn)
        stepper = Stepper(migrations, conn)
        yield read_schema(conn)
        conn.rollback()
        for revision in chain:
            progress.step(f"{revision.id} {revision.label}")
            stepper.upgrade(revision.id)
            conn.commit()
            yield read_schema(conn)
            conn.rollback()


def _throwaway_sqlite(conn: Connection) -> None:
    """The scratch file is deleted afterwards: no need to survive a crash. Without a sync per
    statement, the DDL of a large chain runs about twice as fast."""
    conn.exec_driver_sql("PRAGMA synchronous = OFF")
    conn.exec_driver_sql("PRAGMA journal_mode = MEMORY")
    conn.commit()


@contextmanager
def _scratch(dialect: Dialect, scratch_url: str | None, servers: Sequence[str]) -> Iterator[str]:
    """A scratch database: --scratch-url, a temporary SQLite file, or a temporary database on
    the first of the targets' servers that lets us create one."""
    if scratch_url or dialect == "sqlite":
        with scratch_database(dialect, scratch_url=scratch_url) as url:
            yield url
        return
    first_error: DatabaseError | None = None
    with ExitStack() as stack:
        for server in _distinct_servers(servers):
            try:
                url = stack.enter_context(scratch_database(dialect, server_url=server))
            except DatabaseError as exc:
                first_error = first_error or exc
                continue
            yield url
            return
    assert first_error is not None
    raise first_error


def _distinct_servers(urls: Sequence[str]) -> list[str]:
    seen: dict[tuple[object, ...], str] = {}
    for url in urls:
        parsed = with_driver(url)
        seen.setdefault((parsed.host, parsed.port, parsed.username), url)
    return list(seen.values())
