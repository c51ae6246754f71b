"""Lower one parsed statement to ops, or say why it is ignored.

Every statement ends up in exactly one place: ops (structured where the SQL has an Alembic
equivalent, `ExecuteSQL` with the exact text otherwise) or `Ignored` with a reason. Data
statements are always `ExecuteSQL(kind="data")` with the original text byte for byte. Whenever a
part of a statement has no op form (COLLATE, a column position, index storage options...), the
whole statement stays exact SQL with a warning rather than becoming an op that drops that part.

Names are stored as the database stores them: quoted identifiers keep their spelling, unquoted
ones are folded to lower case on PostgreSQL only (as its server does); `public` (PostgreSQL) and
`main` (SQLite) qualifiers become no schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import singledispatch

from sqlglot import exp

from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect
from converter.ir.ops import (
    AddColumn,
    AddConstraint,
    CreateEnum,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropEnum,
    DropIndex,
    DropTable,
    Guard,
    Op,
)
from converter.ir.statements import Flag, Statement
from converter.lower.alter import alter_table
from converter.lower.common import Ctx, Unsupported
from converter.lower.exact import classify
from converter.lower.objects import (
    create_enum,
    create_index,
    drop_enum,
    drop_index,
    drop_table,
)
from converter.lower.table import create_table
from converter.parse import Parsed

# Functions a SELECT may call to change data or schema.
_SIDE_EFFECTS = frozenset(
    {
        "setval",
        "nextval",
        "set_config",
        "lo_import",
        "lo_unlink",
        "create_hypertable",
        "create_distributed_table",
        "add_retention_policy",
        "add_compression_policy",
        "pg_terminate_backend",
        "pg_advisory_lock",
        "pg_advisory_unlock",
    }
)
# Functions sqlglot does not know that only read; other unknown calls are kept, with a warning.
_READ_ONLY = frozenset(
    {
        "version",
        "current_database",
        "current_schema",
        "to_regclass",
        "to_regtype",
        "pg_get_serial_sequence",
        "col_description",
        "obj_description",
        "format_type",
        "pragma_table_info",
        "pragma_table_xinfo",
        "pragma_index_list",
        "pragma_index_info",
        "pragma_index_xinfo",
        "pragma_foreign_key_list",
        "pg_table_is_visible",
        "has_table_privilege",
        "sqlite_version",
        "database",
        "schema",
        "pg_get_indexdef",
        "pg_get_constraintdef",
        "pg_relation_size",
        "pg_total_relation_size",
        "enum_range",
        "enum_first",
        "enum_last",
        "unnest",
        "pg_typeof",
        "has_column_privilege",
        "has_schema_privilege",
        "current_setting",
    }
)
_DATA_CHANGES = (exp.Insert, exp.Update, exp.Delete, exp.Merge)


@dataclass(frozen=True)
class Ignored:
    """The statement is not part of the schema history (transaction control, probes...)."""

    reason: str


def lower(
    stmt: Statement, parsed: Parsed | None, dialect: Dialect, diags: Diagnostics
) -> list[Op] | Ignored:
    """The ops for one statement parsed as `dialect` (None: not parsed, it is ignored), or
    Ignored(reason)."""
    if stmt.ignored:
        return Ignored(stmt.ignored)
    expr = parsed.tree if parsed is not None else None
    ctx = Ctx(stmt, dialect, diags, tokens=parsed.tokens if parsed is not None else None)
    if expr is None:
        exact = classify(ctx)
        if exact.ignored:
            return Ignored(exact.ignored)
        ctx.warning("sqlglot could not parse this statement; kept as exact SQL", code="L2A301")
        return [exact.op(ctx)]
    try:
        result = _lower(expr, ctx)
    except Unsupported as why:
        ctx.warning(f"kept as exact SQL: {why}", code="L2A302")
        return [classify(ctx).op(ctx)]
    # IF [NOT] EXISTS of the statement guards all its ops (lower_alter marks those of one
    # ALTER TABLE action); a guard in the script guards what it did not mark already.
    guard: Guard | None = (
        "sql" if expr.args.get("exists") else "script" if Flag.GUARDED in stmt.flags else None
    )
    if guard and isinstance(result, list):
        return [
            replace(op, guard=op.guard or guard, statement=op.statement or stmt.sql)
            if isinstance(op, _GUARDABLE)
            else op
            for op in result
        ]
    return result


# Ops whose guard plan can decide against the schema model.
_GUARDABLE = (
    CreateTable,
    DropTable,
    AddColumn,
    DropColumn,
    CreateIndex,
    DropIndex,
    AddConstraint,
    DropConstraint,
    CreateEnum,
    DropEnum,
)


@singledispatch
def _lower(expr: exp.Expr, ctx: Ctx) -> list[Op] | Ignored:
    """Statements sqlglot only knows as a Command, and everything without a structured form."""
    return _exact(ctx)


def _exact(ctx: Ctx) -> list[Op] | Ignored:
    exact = classify(ctx)
    if exact.warning:
        ctx.warning(exact.warning, code="L2A303")
    if exact.info:
        ctx.info(exact.info, code="L2A311" if exact.ignored else "L2A304")
    if exact.ignored:
        return Ignored(exact.ignored)
    if exact.ops:
        return list(exact.ops)
    return [exact.op(ctx)]


@_lower.register
def _(expr: exp.Create, ctx: Ctx) -> list[Op] | Ignored:
    kind = str(expr.args.get("kind") or "").upper()
    if kind == "TABLE":
        return create_table(expr, ctx)
    if kind == "INDEX":
        return create_index(expr, ctx)
    body = expr.expression
    if kind == "TYPE" and isinstance(body, exp.DataType) and body.is_type("enum"):
        return create_enum(expr, ctx)
    return _exact(ctx)


_DROPS = {"TABLE": drop_table, "INDEX": drop_index, "TYPE": drop_enum}


@_lower.register
def _(expr: exp.Drop, ctx: Ctx) -> list[Op] | Ignored:
    handler = _DROPS.get(str(expr.args.get("kind") or "").upper())
    return handler(expr, ctx) if handler else _exact(ctx)


@_lower.register
def _(expr: exp.Alter, ctx: Ctx) -> list[Op] | Ignored:
    if str(expr.args.get("kind") or "").upper() == "TABLE":
        return alter_table(expr, ctx)
    return _exact(ctx)


def _data(expr: exp.Expression, ctx: Ctx) -> list[Op] | Ignored:
    """INSERT / UPDATE / DELETE / MERGE / COPY / TRUNCATE: exact text, with the target tables."""
    targets = expr.expressions if isinstance(expr, exp.TruncateTable) else [expr.this]
    return [ctx.execute("data", tables=_tables(targets, ctx))]


def _tables(nodes: list[exp.Expression], ctx: Ctx) -> tuple[str, ...]:
    names: list[str] = []
    for node in nodes:
        try:
            names.append(ctx.qualified(node))
        except Unsupported:
            continue
    return tuple(dict.fromkeys(names))


for _data_kind in (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Copy, exp.TruncateTable):
    _lower.register(_data_kind, _data)


@_lower.register
def _(expr: exp.Query, ctx: Ctx) -> list[Op] | Ignored:
    """A SELECT is a probe unless it changes something: a data-modifying CTE, SELECT INTO, or a
    call such as setval(). Unknown function calls are kept, in case they have side effects."""
    changes = [node.this for node in expr.find_all(*_DATA_CHANGES)]
    if changes:
        return [ctx.execute("data", tables=_tables(changes, ctx))]
    if expr.args.get("into"):
        ctx.warning("kept as exact SQL: SELECT ... INTO creates a table", code="L2A305")
        return [ctx.execute("schema")]
    calls = {node.name.lower() for node in expr.find_all(exp.Anonymous)}
    unknown = sorted(calls - _SIDE_EFFECTS - _READ_ONLY)
    if unknown:
        ctx.warning(
            f"kept as exact SQL: the SELECT calls {', '.join(unknown)}(), which may change data",
            code="L2A306",
        )
    if unknown or calls & _SIDE_EFFECTS:
        return [ctx.execute("data")]
    return Ignored("SELECT probe: reads only")


def _ignore(reason: str) -> Callable[[exp.Expr, Ctx], Ignored]:
    return lambda expr, ctx: Ignored(reason)


for _ignored_kind, _reason in (
    (exp.Transaction, "transaction control"),
    (exp.Commit, "transaction control"),
    (exp.Rollback, "transaction control"),
    (exp.Pragma, "PRAGMA is a SQLite connection setting"),
    (exp.Use, "USE selects the database of the connection"),
    (exp.Show, "inspection only"),
    (exp.Describe, "inspection only"),
    (exp.Analyze, "ANALYZE only refreshes planner statistics"),
):
    _lower.register(_ignored_kind, _ignore(_reason))


@_lower.register
def _(expr: exp.Set, ctx: Ctx) -> list[Op] | Ignored:
    return _exact(ctx)


@_lower.register
def _(expr: exp.Block, ctx: Ctx) -> list[Op] | Ignored:
    """Several statements in one text (or a trigger body sqlglot splits at its semicolons)."""
    result = _exact(ctx)
    statements = [e for e in expr.expressions if not isinstance(e, exp.EndStatement)]
    if len(statements) > 1 and "TRIGGER" not in ctx.src.words[:8]:
        ctx.warning("several statements in one string: kept together as exact SQL", code="L2A307")
    return result
