"""How much of each revision a live database shows: what a user needs to finish or undo a
half-applied legacy script by hand.

A revision's changes are the differences between the expected schema before and after it: a
table, column, index, unique constraint, foreign key, enum or view added, removed or changed.
A table it adds counts with each index, unique constraint and foreign key of it, as the script
may have created them one statement each (CREATE TABLE, then CREATE INDEX): a table with one
of its indexes missing is partial, not applied. A table or column agrees only when all its
attributes do (columns and primary key; type, nullability, default).
A change is present when the live schema agrees on that object with the schema after the
revision or after any later one (a later revision may change the same object again; an object
added and later removed therefore counts as present for a database that never had it). Data
statements leave no trace in the schema and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from converter.database.snapshot.diff import Difference
from converter.database.snapshot.model import Snapshot
from converter.stamp.chain import ChainRevision, Expected, diff_schemas

Key = tuple[str, "str | None", "str | None"]


@dataclass(frozen=True)
class Presence:
    revision: ChainRevision
    present: int
    total: int

    @property
    def state(self) -> str:
        """ "applied", "absent", "partial k of n", or "no schema change"."""
        if self.total == 0:
            return "no schema change"
        if self.present == self.total:
            return "applied"
        if self.present == 0:
            return "absent"
        return f"partial {self.present} of {self.total}"


def presence(expected: Expected, live_diffs: Sequence[Sequence[Difference]]) -> list[Presence]:
    """Per revision, how many of its changes the live schema shows.

    `live_diffs[i]` is `diff_schemas(expected.states[i], live)`.
    """
    disagreeing = [_Disagreeing.of(diffs) for diffs in live_diffs]
    found = []
    for i, revision in enumerate(expected.chain, start=1):
        changes = _changes(expected.states[i - 1], expected.states[i])
        present = sum(
            any(disagreeing[m].agrees(key) for m in range(i, len(disagreeing))) for key in changes
        )
        found.append(Presence(revision, present, len(changes)))
    return found


@dataclass(frozen=True)
class _Disagreeing:
    """Where the live schema disagrees with one expected state, indexed for `agrees`."""

    keys: frozenset[Key]
    tables: frozenset[str]  # a column or the primary key missing or changed (not an extra one)
    columns: frozenset[tuple[str, str]]  # the type, nullability or default differs

    @classmethod
    def of(cls, diffs: Sequence[Difference]) -> _Disagreeing:
        defining = [d for d in diffs if d.table and _defines_table(d)]
        columns = {(d.table, d.name) for d in defining if d.kind.startswith("column.") and d.name}
        return cls(
            frozenset(_key(d) for d in diffs),
            frozenset(d.table for d in defining if d.table),
            frozenset((t, c) for t, c in columns if t),
        )

    def agrees(self, key: Key) -> bool:
        """On `key`, on what holds it (its table, its column) and on its own definition (a
        table's columns and primary key, a column's attributes)."""
        kind, table, name = key
        if key in self.keys or any(h in self.keys for h in _holders(key)):
            return False
        if kind == "table":
            return table not in self.tables
        return kind != "column" or (table, name) not in self.columns


def _defines_table(diff: Difference) -> bool:
    """A missing or changed column or primary key (an extra column is no part of it)."""
    if diff.kind == "column":
        return diff.expected is not None
    return diff.kind == "primary key" or diff.kind.startswith("column.")


def _changes(before: Snapshot, after: Snapshot) -> set[Key]:
    """What one revision changes: every difference, and the parts of each table it adds."""
    diffs = diff_schemas(after, before)
    added = [d.table for d in diffs if d.kind == "table" and d.actual is None and d.table]
    return {_key(d) for d in diffs} | {k for name in added for k in _parts(after, name)}


def _parts(schema: Snapshot, name: str) -> list[Key]:
    """The objects of a table beside its columns, keyed as the diff names them."""
    table = schema.table(name)
    if table is None:
        return []
    keys: list[Key] = [("index", name, ix.name) for ix in table.indexes]
    keys += [("unique constraint", name, u.describe()) for u in table.unique_constraints]
    return keys + [("foreign key", name, fk.describe()) for fk in table.foreign_keys]


def _key(diff: Difference) -> Key:
    return diff.kind, diff.table, diff.name


def _holders(key: Key) -> tuple[Key, ...]:
    kind, table, name = key
    if table is None or kind == "table":
        return ()
    if kind.startswith("column."):
        return ("table", table, table), ("column", table, name)
    return (("table", table, table),)
