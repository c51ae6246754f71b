"""Telling apart revisions that leave the same schema, from the data: read-only probes.

When a revision only changes data (a backfill UPDATE, seed INSERTs, a cleanup DELETE), the schema
of a database before it equals the schema after it. Its data statements then say which side a
database is on, read-only, without running them:

- `UPDATE t SET c = v WHERE cond`: rows matching `cond` whose `c` is not yet `v` (or, when `v`
  cannot be evaluated again, rows still matching `cond`); none = applied;
- `INSERT INTO t (cols) VALUES (...)` of literal rows: each row looked up by a key of `t` (its
  primary key or a unique key among the inserted columns, else every inserted column); all
  found = applied, none found = not applied;
- `DELETE FROM t WHERE cond`: rows `cond` still matches; none = applied.

Each probe is a `SELECT COUNT(*)` built with sqlglot from the statement, checked to be a plain
SELECT, and run in its own savepoint inside stamp's read-only transaction (see stamp.database).
Anything else is "cannot tell".
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlglot
from sqlglot import exp

from converter.core.dialects import Dialect

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Verdict = Literal["applied", "not applied", "cannot tell"]
Keys = Callable[[str], Sequence[tuple[str, ...]]]

_DATA_HEADS = ("INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "COPY", "TRUNCATE")
# Values that cannot be evaluated again to the value they gave (the clock, chance, a sequence).
_VOLATILE = (
    exp.CurrentTimestamp,
    exp.CurrentDate,
    exp.CurrentTime,
    exp.Rand,
    exp.Anonymous,
    exp.Subquery,
    exp.Select,
)
# Inserted rows looked up one by one, at most this many (a seed of thousands stays fast).
MAX_ROWS = 200


@dataclass(frozen=True)
class Probe:
    """What one data statement says of a database: its verdict and why."""

    sql: str
    verdict: Verdict
    detail: str


class _CannotTell(Exception):
    """The statement has no read-only probe; the message says why."""


# ---- the data statements of a revision file ----------------------------------------------------


def data_statements(path: Path) -> tuple[str, ...]:
    """The SQL of every `op.execute(...)` in the revision's upgrade() that changes rows, in
    order, as it reaches the database (text() escapes undone). Read with ast, not run."""
    import sqlalchemy as sa

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    upgrade = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None
    )
    found = []
    for node in ast.walk(upgrade) if upgrade else ():
        text = _executed_text(node)
        if text and text.lstrip().split(None, 1)[0].upper() in _DATA_HEADS:
            found.append((getattr(node, "lineno", 0), sa.text(text).compile().string))
    return tuple(text for _, text in sorted(found))


def _executed_text(node: ast.AST) -> str | None:
    """The string literal of `op.execute('...')` / `op.execute(sa.text('...'))`, or None."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "execute"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "op"
        and node.args
    ):
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Call) and arg.args and _is_text_call(arg.func):
        arg = arg.args[0]
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def _is_text_call(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "text") or (
        isinstance(func, ast.Name) and func.id == "text"
    )


# ---- probes ------------------------------------------------------------------------------------


def probe(conn: Connection, sql: str, dialect: Dialect, keys: Keys) -> Probe:
    """The verdict of one data statement on the connection's database (read-only)."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect.sqlglot)
        if isinstance(tree, exp.Update):
            return _counted(conn, sql, _update_probe(tree), dialect, "still to update")
        if isinstance(tree, exp.Delete):
            return _counted(conn, sql, _delete_probe(tree), dialect, "still to delete")
        if isinstance(tree, exp.Insert):
            return _inserted(conn, sql, tree, dialect, keys)
        raise _CannotTell(f"{type(tree).__name__.upper()} has no read-only probe")
    except sqlglot.errors.SqlglotError as exc:
        return Probe(sql, "cannot tell", f"cannot read the statement: {exc}")
    except _CannotTell as why:
        return Probe(sql, "cannot tell", str(why))


def _counted(conn: Connection, sql: str, query: exp.Select, dialect: Dialect, what: str) -> Probe:
    count = _count(conn, query, dialect)
    if count == 0:
        return Probe(sql, "applied", f"no row {what}")
    return Probe(sql, "not applied", f"{count} row(s) {what}")


def _target(tree: exp.Expression) -> exp.Table:
    table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(table, exp.Table):
        raise _CannotTell("its target table cannot be read")
    return table


def _plain_from(tree: exp.Expression) -> None:
    if tree.args.get("from") or tree.args.get("from_") or tree.args.get("using"):
        raise _CannotTell("it reads other tables (FROM / USING)")
    if tree.args.get("joins") or tree.args.get("with") or tree.args.get("returning"):
        raise _CannotTell("it has joins, a WITH clause or RETURNING")


def _where(tree: exp.Expression) -> exp.Expression | None:
    where = tree.args.get("where")
    return where.this.copy() if isinstance(where, exp.Where) else None


def _update_probe(tree: exp.Update) -> exp.Select:
    """Rows matching the WHERE that do not hold the new values yet."""
    _plain_from(tree)
    cond = _where(tree)
    assignments = [(e.this, e.expression) for e in tree.expressions if isinstance(e, exp.EQ)]
    if len(assignments) != len(tree.expressions) or not assignments:
        raise _CannotTell("its SET list cannot be read")
    set_names = {column.name for column, _ in assignments}
    reads_set = any(
        c.name in set_names for _, value in assignments for c in value.find_all(exp.Column)
    )
    if reads_set or any(value.find(*_VOLATILE) for _, value in assignments):
        touched = cond is not None and any(c.name in set_names for c in cond.find_all(exp.Column))
        if not touched:
            raise _CannotTell(
                "its new values cannot be evaluated again (they read a column it sets, the "
                "clock or a subquery) and its WHERE does not test a column it sets"
            )
        return _select_count(_target(tree), cond)
    pending = exp.not_(
        exp.and_(*(exp.NullSafeEQ(this=c.copy(), expression=v.copy()) for c, v in assignments))
    )
    return _select_count(_target(tree), exp.and_(cond, pending) if cond is not None else pending)


def _delete_probe(tree: exp.Delete) -> exp.Select:
    """Rows the DELETE's WHERE still matches."""
    _plain_from(tree)
    return _select_count(_target(tree), _where(tree))


def _select_count(table: exp.Table, cond: exp.Expr | None) -> exp.Select:
    query = exp.select(exp.Count(this=exp.Star())).from_(table.copy())
    return query.where(cond) if cond is not None else query


def _inserted(conn: Connection, sql: str, tree: exp.Insert, dialect: Dialect, keys: Keys) -> Probe:
    """Each literal row looked up by a key of its table."""
    if not isinstance(tree.this, exp.Schema) or not isinstance(tree.expression, exp.Values):
        raise _CannotTell("only INSERT INTO t (columns) VALUES (...) of literal rows is probed")
    table = _target(tree)
    columns = [c.name for c in tree.this.expressions]
    rows = [row.expressions for row in tree.expression.expressions if isinstance(row, exp.Tuple)]
    if not rows or any(len(r) != len(columns) or not all(map(_is_literal, r)) for r in rows):
        raise _CannotTell("its rows are not all literal values")
    key = next((k for k in keys(table.name) if k and set(k) <= set(columns)), tuple(columns))
    sample = rows[:MAX_ROWS]
    found = sum(
        _count(conn, _select_count(table, _row_match(columns, row, key)), dialect) > 0
        for row in sample
    )
    described = f"{found} of {len(sample)} row(s) found by ({', '.join(key)})"
    if found == len(sample):
        return Probe(sql, "applied", described)
    if found == 0:
        return Probe(sql, "not applied", described)
    return Probe(sql, "cannot tell", described)


def _is_literal(value: exp.Expression) -> bool:
    if isinstance(value, exp.Neg):
        value = value.this
    if isinstance(value, exp.Cast):
        value = value.this
    return isinstance(value, (exp.Literal, exp.Null, exp.Boolean))


def _row_match(columns: list[str], row: list[exp.Expression], key: tuple[str, ...]) -> exp.Expr:
    values = dict(zip(columns, row, strict=True))
    return exp.and_(
        *(
            exp.Is(this=exp.column(name), expression=exp.Null())
            if isinstance(values[name], exp.Null)
            else exp.EQ(this=exp.column(name), expression=values[name].copy())
            for name in key
        )
    )


def _count(conn: Connection, query: exp.Select, dialect: Dialect) -> int:
    """Run one probe in its own savepoint; a failure is "cannot tell", never a write."""
    if query.find(exp.Insert, exp.Update, exp.Delete, exp.Merge) or query.args.get("into"):
        raise _CannotTell("the probe would not be a plain SELECT")  # pragma: no cover
    text = query.sql(dialect=dialect.sqlglot)
    savepoint = conn.begin_nested()
    try:
        value = conn.execution_options(no_parameters=True).exec_driver_sql(text).scalar()
    except Exception as exc:  # noqa: BLE001 - any driver error means the probe cannot tell
        savepoint.rollback()
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise _CannotTell(f"the probe failed: {type(exc).__name__}: {first_line}") from None
    savepoint.commit()
    return int(value or 0)
