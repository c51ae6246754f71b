"""Consolidation passes over one source's ops: pure `ops -> ops` functions, applied in order.

Like sqlglot's optimizer rules, each pass is small, pure, and listed in `PASSES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from converter import ops as o

Pass = Callable[[Sequence[o.Op]], list[o.Op]]


def recognise_rewrites(ops: Sequence[o.Op]) -> list[o.Op]:
    """SQLite's rebuild sequence becomes one RewriteTable:
    CREATE TABLE tmp; INSERT INTO tmp ... SELECT ... FROM t; DROP TABLE t; ALTER TABLE tmp RENAME TO t.
    Only data statements may stand between the CREATE and the DROP; the legacy statements are kept
    as the rewrite's steps, exactly."""
    out: list[o.Op] = []
    i = 0
    while i < len(ops):
        found = _rewrite_at(ops, i)
        if found is None:
            out.append(ops[i])
            i += 1
            continue
        rewrite, end = found
        out.append(rewrite)
        i = end
    return out


def _rewrite_at(ops: Sequence[o.Op], i: int) -> tuple[o.RewriteTable, int] | None:
    create = ops[i]
    if not isinstance(create, o.CreateTable):
        return None
    j = i + 1
    while j < len(ops) and isinstance(ops[j], o.ExecuteSQL) and ops[j].kind == "data":  # type: ignore[union-attr]
        j += 1
    if j + 1 >= len(ops):
        return None
    drop, rename = ops[j], ops[j + 1]
    if not (isinstance(drop, o.DropTable) and isinstance(rename, o.RenameTable)):
        return None
    if rename.old != create.table or rename.new != drop.table or drop.table == create.table:
        return None
    new_table = replace(create, table=drop.table)
    steps = tuple(ops[i:j + 2])
    return o.RewriteTable(drop.table, create.table, new_table, steps, origin=create.origin), j + 2


PASSES: tuple[Pass, ...] = (recognise_rewrites,)


def consolidate(ops: Sequence[o.Op]) -> list[o.Op]:
    result = list(ops)
    for step in PASSES:
        result = step(result)
    return result
