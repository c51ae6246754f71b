"""CREATE / DROP INDEX, PostgreSQL enum types, DROP TABLE."""

from __future__ import annotations

from sqlglot import exp

from converter.ir.ops import (
    CreateEnum,
    CreateIndex,
    DropEnum,
    DropIndex,
    DropTable,
    IndexElement,
    Op,
)
from converter.lower.common import Ctx, Unsupported
from converter.lower.table import plain


def create_index(expr: exp.Create, ctx: Ctx) -> list[Op]:
    """CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON t [USING m] (...) [WHERE p].

    Plain column names stay names; anything else in the list (expressions, ASC/DESC, opclasses,
    COLLATE) is kept as the exact source text of that element."""
    plain(expr, {"this", "kind", "exists", "unique", "concurrently"}, "CREATE INDEX", ctx)
    index = expr.this
    plain(index, {"this", "table", "params"}, "CREATE INDEX", ctx)
    if index.this is None:
        raise Unsupported("an index without a name has no op form (Alembic needs the name)")
    params = index.args["params"]
    plain(params, {"using", "columns", "where"}, "CREATE INDEX", ctx)
    table, schema = ctx.table(index.args["table"])
    src = ctx.src
    open_ = src.next_open(src.index_of(index.args["table"].this))
    close = src.match(open_)
    spans = src.split(open_ + 1, close - 1)
    columns = params.args.get("columns") or []
    if len(spans) != len(columns):
        raise Unsupported("cannot match the index elements with the source text")
    elements = tuple(
        _element(node, first, last, ctx) for node, (first, last) in zip(columns, spans)
    )
    where = None
    if params.args.get("where") is not None:
        keyword = src.find({"WHERE"}, close + 1, src.last)
        if keyword is None:
            raise Unsupported("cannot locate the WHERE text")
        where = src.text(keyword + 1, src.last)
    using = params.args.get("using")
    return [
        CreateIndex(
            ctx.name(index.this),
            table,
            elements,
            unique=bool(expr.args.get("unique")),
            where=where,
            method=using.name if using else None,
            concurrently=bool(expr.args.get("concurrently")),
            schema=schema,
            origin=ctx.stmt.origin,
        )
    ]


def _element(node: exp.Expression, first: int, last: int, ctx: Ctx) -> IndexElement:
    inner = node.this if isinstance(node, exp.Ordered) else node
    if first == last and isinstance(inner, exp.Column) and not inner.table:
        return IndexElement(ctx.name(inner))
    return IndexElement(ctx.src.text(first, last), expression=True)


def drop_index(expr: exp.Drop, ctx: Ctx) -> list[Op]:
    """DROP INDEX [CONCURRENTLY] [IF EXISTS] name [ON t] -> DropIndex per name."""
    plain(expr, {"kind", "tables", "exists", "concurrently", "cluster"}, "DROP INDEX", ctx)
    on = expr.args.get("cluster")
    table = ctx.table(on.this)[0] if isinstance(on, exp.OnProperty) else None
    if on is not None and table is None:
        raise Unsupported("DROP INDEX option has no op form")
    ops: list[Op] = []
    for node in expr.args["tables"]:
        name, schema = ctx.table(node)
        ops.append(
            DropIndex(
                name,
                table=table,
                concurrently=bool(expr.args.get("concurrently")),
                schema=schema,
                origin=ctx.stmt.origin,
            )
        )
    return ops


def drop_table(expr: exp.Drop, ctx: Ctx) -> list[Op]:
    """DROP TABLE [IF EXISTS] a, b -> one DropTable per table (CASCADE has no op form)."""
    plain(expr, {"kind", "tables", "exists"}, "DROP TABLE", ctx)
    return [DropTable(*ctx.table(node), origin=ctx.stmt.origin) for node in expr.args["tables"]]


def create_enum(expr: exp.Create, ctx: Ctx) -> list[Op]:
    """PostgreSQL CREATE TYPE name AS ENUM ('a', 'b')."""
    plain(expr, {"this", "kind", "expression"}, "CREATE TYPE", ctx)
    values = expr.expression.expressions
    if not all(isinstance(v, exp.Literal) and v.is_string for v in values):
        raise Unsupported("enum values must be string literals")
    name, schema = ctx.table(expr.this)
    return [CreateEnum(name, tuple(v.name for v in values), schema=schema, origin=ctx.stmt.origin)]


def drop_enum(expr: exp.Drop, ctx: Ctx) -> list[Op]:
    """DROP TYPE [IF EXISTS] name: the only types the ops model are enums."""
    plain(expr, {"kind", "tables", "exists"}, "DROP TYPE", ctx)
    return [DropEnum(*ctx.table(node), origin=ctx.stmt.origin) for node in expr.args["tables"]]
