"""How much of each revision a live database shows: what a user needs to finish or undo a
half-applied legacy script by hand.

A revision's changes are the differences between the expected schema before and after it: a
table, column, index, unique constraint, foreign key, enum or view added, removed or changed.
A change is present when the live schema agrees on that object with the schema after the
revision or after any later one (a later revision may change the same object again; an object
added and later removed therefore counts as present for a database that never had it). Data
statements leave no trace in the schema and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from converter.database.snapshot.diff import Difference
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
    disagreeing = [{_key(d) for d in diffs} for diffs in live_diffs]
    found = []
    for i, revision in enumerate(expected.chain, start=1):
        changes = {_key(d) for d in diff_schemas(expected.states[i], expected.states[i - 1])}
        present = sum(
            any(_agrees(key, disagreeing[m]) for m in range(i, len(disagreeing))) for key in changes
        )
        found.append(Presence(revision, present, len(changes)))
    return found


def _key(diff: Difference) -> Key:
    return diff.kind, diff.table, diff.name


def _agrees(key: Key, disagreeing: set[Key]) -> bool:
    """The live schema agrees on `key`, and on what holds it (its table, its column)."""
    return key not in disagreeing and not any(p in disagreeing for p in _holders(key))


def _holders(key: Key) -> tuple[Key, ...]:
    kind, table, name = key
    if table is None or kind == "table":
        return ()
    if kind.startswith("column."):
        return ("table", table, table), ("column", table, name)
    return (("table", table, table),)
