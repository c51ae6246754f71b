"""Consolidation passes over one source's ops: pure `ops -> ops` functions, applied in order.

Like sqlglot's optimizer rules, each pass is small, pure, and listed in `PASSES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from converter.ir import ops as o

Pass = Callable[[Sequence[o.Op]], list[o.Op]]


def recognise_rewrites(ops: Sequence[o.Op]) -> list[o.Op]:
    """SQLite's rebuild sequence becomes one RewriteTable, in either of its two orders:
    CREATE TABLE tmp; INSERT INTO tmp ... SELECT ... FROM t; DROP TABLE t; ALTER TABLE tmp RENAME
    TO t, or ALTER TABLE t RENAME TO old; CREATE TABLE t; INSERT INTO t ... SELECT ... FROM old;
    DROP TABLE old. Only data statements may stand between the CREATE and the DROP; the legacy
    statements are kept as the rewrite's steps, exactly."""
    out: list[o.Op] = []
    i = 0
    while i < len(ops):
        found = _rewrite_at(ops, i) or _rename_first_rewrite_at(ops, i)
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
    j = _after_data(ops, i + 1)
    if j + 1 >= len(ops):
        return None
    drop, rename = ops[j], ops[j + 1]
    if not (isinstance(drop, o.DropTable) and isinstance(rename, o.RenameTable)):
        return None
    if rename.old != create.table or rename.new != drop.table or drop.table == create.table:
        return None
    new_table = replace(create, table=drop.table)
    steps = tuple(ops[i : j + 2])
    copied = _copied_columns(ops[i + 1 : j], create, drop.table)
    return o.RewriteTable(
        drop.table, create.table, new_table, steps, copied, origin=create.origin
    ), j + 2


def _rename_first_rewrite_at(ops: Sequence[o.Op], i: int) -> tuple[o.RewriteTable, int] | None:
    rename = ops[i]
    if not isinstance(rename, o.RenameTable) or i + 1 >= len(ops):
        return None
    create = ops[i + 1]
    if not isinstance(create, o.CreateTable) or create.table != rename.old:
        return None
    j = _after_data(ops, i + 2)
    drop = ops[j] if j < len(ops) else None
    if not isinstance(drop, o.DropTable) or drop.table != rename.new:
        return None
    copied = _copied_columns(ops[i + 2 : j], create, rename.new)
    return o.RewriteTable(
        create.table, rename.new, create, tuple(ops[i : j + 1]), copied, origin=rename.origin
    ), j + 1


def _after_data(ops: Sequence[o.Op], j: int) -> int:
    """The index of the first op at or after `j` that is not a data statement."""
    while j < len(ops) and _is_data(ops[j]):
        j += 1
    return j


def _is_data(op: o.Op) -> bool:
    return isinstance(op, o.ExecuteSQL) and op.kind == "data"


def _copied_columns(
    copies: Sequence[o.Op], create: o.CreateTable, old: str
) -> tuple[tuple[str, str, bool], ...]:
    """(new column, old column read, copied unchanged?) from `INSERT INTO tmp (...) SELECT ...
    FROM old`; empty when the copy is not of that plain shape.

    The one pass that parses SQL, and only the copy statement of a recognised rebuild: lowering
    does not keep the INSERT's tree on its ExecuteSQL. Moving this there means recording the
    copy's shape on every INSERT ... SELECT (parsed in the source's dialect, where this reads it
    in sqlglot's default one): a change of its own, to be checked against every fixture."""
    import sqlglot
    from sqlglot import exp

    inserts = [op for op in copies if isinstance(op, o.ExecuteSQL)]
    if len(inserts) != 1:
        return ()
    try:
        tree = sqlglot.parse_one(inserts[0].sql)
    except sqlglot.errors.SqlglotError:
        return ()
    select = tree.expression if isinstance(tree, exp.Insert) else None
    if not isinstance(select, exp.Select) or _source_table(select) != old:
        return ()
    target = tree.this
    names = (
        [c.name for c in target.expressions]
        if isinstance(target, exp.Schema)
        else [c.name for c in create.columns]
    )
    if len(names) != len(select.expressions):
        return ()
    return tuple(
        item
        for name, e in zip(names, select.expressions)
        if (item := _read_column(name, e.unalias())) is not None
    )


def _source_table(select: object) -> str | None:
    from sqlglot import exp

    source = select.args.get("from_") or select.args.get("from")  # type: ignore[attr-defined]
    table = source.this if source is not None else None
    return table.name if isinstance(table, exp.Table) else None


def _read_column(new: str, e: object) -> tuple[str, str, bool] | None:
    from sqlglot import exp

    if isinstance(e, exp.Column):
        return (new, e.name, True)
    columns = {c.name for c in e.find_all(exp.Column)}  # type: ignore[attr-defined]
    return (new, columns.pop(), False) if len(columns) == 1 else None


PASSES: tuple[Pass, ...] = (recognise_rewrites,)


def consolidate(ops: Sequence[o.Op]) -> list[o.Op]:
    result = list(ops)
    for step in PASSES:
        result = step(result)
    return result
