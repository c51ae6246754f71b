"""One renderer per op class, and the blocks (SQLite batch, autocommit) that group them.

Ops know nothing about text: `render_op` dispatches on the op class with `functools.singledispatch`,
as alembic/autogenerate/render.py does. The blocks live here too because a table rewrite renders
its steps as a block of ops.
"""

from __future__ import annotations

import functools
import itertools
import keyword
import re
from collections.abc import Iterable, Sequence

from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.lower.types import render_type, to_sqlalchemy
from converter.plan.schema import quote_ident
from converter.render.code import (
    BEGIN_MARK,
    END_MARK,
    TODO_MARK,
    Call,
    Code,
    Ctx,
    RenderError,
    call_statement,
    comment_lines,
    note_lines,
    opt_repr,
    schema_kw,
    statement,
    target,
    type_code,
    where_of,
)
from converter.render.elements import (
    column_code,
    constraint_element,
    create_constraint,
    identity_code,
)
from converter.render.literals import sa_text

# Column and constraint changes SQLite cannot do with ALTER TABLE: they run in batch mode there.
_BATCH_OPS = (
    o.AddColumn,
    o.DropColumn,
    o.AlterColumn,
    o.RenameColumn,
    o.AddConstraint,
    o.DropConstraint,
)


def render_body(ops: Sequence[o.Op], ctx: Ctx) -> str:
    """The lines of upgrade() or downgrade() between the markers; `pass` when nothing runs."""
    lines = [ctx.pad + BEGIN_MARK]
    body = render_ops(ops, ctx)
    lines.extend(body)
    if not any(_is_code(line) for line in body):
        lines.append(ctx.pad + "pass")
    lines.append(ctx.pad + END_MARK)
    return "\n".join(lines)


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def render_ops(ops: Iterable[o.Op], ctx: Ctx) -> list[str]:
    """Consecutive ops sharing a block (same batch table, or autocommit) share one `with`."""
    lines: list[str] = []
    for key, group in itertools.groupby(ops, key=lambda op: _block_key(op, ctx.dialect)):
        members = list(group)
        if key is None:
            for op in members:
                lines.extend(_render_one(op, ctx))
            continue
        lines.append(ctx.pad + _block_header(key))
        inner = ctx.nested(batch=key[0] == "batch")
        for op in members:
            lines.extend(_render_one(op, inner))
    return lines


def _render_one(op: o.Op, ctx: Ctx) -> list[str]:
    lines = comment_lines(str(op.origin), ctx) if op.origin.path else []
    if op.note:
        lines += note_lines(op.note, ctx)
    if op.exact and op.statement:
        return lines + call_statement(ctx, "op.execute", [sa_text(op.statement)])
    return lines + render_op(op, ctx)


def _block_key(op: o.Op, dialect: str) -> tuple[str, ...] | None:
    """`dialect` is SQLAlchemy's name (the render context's)."""
    if op.exact and op.statement:
        return None
    if dialect == "sqlite" and isinstance(op, _BATCH_OPS):
        return ("batch", op.table, repr(op.schema))
    if _needs_autocommit(op):
        return ("autocommit",)
    return None


def _block_header(key: tuple[str, ...]) -> str:
    if key[0] == "batch":
        return f"with op.batch_alter_table({key[1]!r}, schema={key[2]}) as batch_op:"
    return "with op.get_context().autocommit_block():"


def _needs_autocommit(op: o.Op) -> bool:
    """True for statements that cannot run inside a transaction."""
    if isinstance(op, o.ExecuteSQL):
        return op.autocommit
    if isinstance(op, (o.CreateIndex, o.DropIndex)):
        return op.concurrently
    return False


@functools.singledispatch
def render_op(op: o.Op, ctx: Ctx) -> list[str]:
    """The code lines of one op, indented for `ctx`."""
    raise RenderError(f"no renderer for {type(op).__name__}", where_of(op))


@render_op.register
def _(op: o.CreateTable, ctx: Ctx) -> list[str]:
    parts: list[Code] = [repr(op.table)]
    parts += [column_code(col, ctx) for col in op.columns]
    parts += [constraint_element(con) for con in _table_constraints(op)]
    if op.schema is not None:
        parts.append(f"schema={op.schema!r}")
    parts += [f"{_keyword(key, op)}={value!r}" for key, value in op.dialect_kwargs]
    return [statement(Call("op.create_table(", tuple(parts)), ctx)]


def _keyword(name: str, op: o.Op) -> str:
    """A dialect option name used as a keyword argument; anything else is refused, not spliced."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise RenderError(f"{name!r} is not a valid table option name", where_of(op))
    return name


def _table_constraints(op: o.CreateTable) -> list[o.Constraint]:
    """The table's constraints, with a primary key built from column flags when none is given."""
    constraints = list(op.constraints)
    pk_columns = tuple(col.name for col in op.columns if col.primary_key)
    if pk_columns and not any(isinstance(con, o.PrimaryKey) for con in constraints):
        constraints.insert(0, o.PrimaryKey(pk_columns))
    return constraints


@render_op.register
def _(op: o.DropTable, ctx: Ctx) -> list[str]:
    return call_statement(ctx, "op.drop_table", [repr(op.table)], [schema_kw(ctx, op.schema)])


@render_op.register
def _(op: o.RenameTable, ctx: Ctx) -> list[str]:
    return call_statement(
        ctx, "op.rename_table", [repr(op.old), repr(op.new)], [schema_kw(ctx, op.schema)]
    )


@render_op.register
def _(op: o.AddColumn, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "add_column", op.table)
    lines = call_statement(
        ctx,
        func,
        args + [column_code(op.column, ctx, primary_key=True)],
        [schema_kw(ctx, op.schema)],
    )
    for con in op.constraints:
        lines += create_constraint(con, op.table, op.schema, ctx)
    return lines


@render_op.register
def _(op: o.DropColumn, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "drop_column", op.table)
    return call_statement(ctx, func, args + [repr(op.column)], [schema_kw(ctx, op.schema)])


@render_op.register
def _(op: o.AlterColumn, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "alter_column", op.table)
    existing = op.existing
    kwargs = [("existing_type", _existing_type(existing, ctx))]
    if op.server_default is not o.UNSET:
        kwargs.append(("server_default", _server_default(op.server_default)))
    kwargs += _identity_kwargs(op)
    if isinstance(op.type, o.TypeSpec):
        kwargs.append(("type_", type_code(op.type, ctx)))
    if op.nullable is not o.UNSET:
        kwargs.append(("nullable", repr(op.nullable)))
    else:
        kwargs.append(("existing_nullable", opt_repr(existing and existing.nullable)))
    if op.comment is not o.UNSET:
        kwargs.append(("comment", repr(op.comment)))
    kwargs.append(("existing_comment", opt_repr(existing and existing.comment)))
    if op.server_default is o.UNSET and op.identity is o.UNSET:
        kwargs.append(("existing_server_default", _existing_default(existing)))
    kwargs += [("postgresql_using", _using(op.using)), schema_kw(ctx, op.schema)]
    return call_statement(ctx, func, args + [repr(op.column)], kwargs)


@render_op.register
def _(op: o.RenameColumn, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "alter_column", op.table)
    existing = op.existing
    kwargs = [
        ("new_column_name", repr(op.new)),
        ("existing_type", _existing_type(existing, ctx)),
        ("existing_nullable", opt_repr(existing and existing.nullable)),
        ("existing_comment", opt_repr(existing and existing.comment)),
        ("existing_server_default", _existing_default(existing)),
        schema_kw(ctx, op.schema),
    ]
    return call_statement(ctx, func, args + [repr(op.old)], kwargs)


def _identity_kwargs(op: o.AlterColumn) -> list[tuple[str, str | None]]:
    """Alembic changes an identity through server_default: `sa.Identity(...)` to add or
    change it (against existing_server_default), None to drop it."""
    if isinstance(op.identity, o.Unset):
        return []
    if not isinstance(op.server_default, o.Unset):
        raise RenderError(f"{op.table}.{op.column}: a default and an identity change at once")
    before = op.existing.identity if op.existing else None
    return [
        ("server_default", "None" if op.identity is None else identity_code(op.identity)),
        ("existing_server_default", None if before is None else identity_code(before)),
    ]


def _using(sql: str | None) -> str | None:
    """Alembic puts `postgresql_using` into the ALTER statement as is, and SQLAlchemy then runs
    DDL with an empty parameter set: pyformat drivers (psycopg2, psycopg) read `%` as a
    placeholder there, so it is doubled, as SQLAlchemy's own DDL compiler does for them."""
    return None if sql is None else repr(sql.replace("%", "%%"))


def _existing_type(existing: o.ColumnDef | None, ctx: Ctx) -> str | None:
    return None if existing is None or existing.type is None else type_code(existing.type, ctx)


def _existing_default(existing: o.ColumnDef | None) -> str | None:
    if existing is None or existing.server_default is None:
        return None
    return sa_text(existing.server_default)


def _server_default(value: object) -> str:
    return "None" if value is None else sa_text(str(value))


@render_op.register
def _(op: o.CreateIndex, ctx: Ctx) -> list[str]:
    elements = "[" + ", ".join(_index_element(el) for el in op.elements) + "]"
    kwargs = [
        ("unique", repr(op.unique)),
        schema_kw(ctx, op.schema),
        (f"{ctx.dialect}_using", opt_repr(op.method)),
        (f"{ctx.dialect}_where", None if op.where is None else sa_text(op.where)),
        ("postgresql_concurrently", "True" if op.concurrently else None),
    ]
    return call_statement(ctx, "op.create_index", [repr(op.name), repr(op.table), elements], kwargs)


def _index_element(el: o.IndexElement) -> str:
    return sa_text(el.text) if el.expression else repr(el.text)


@render_op.register
def _(op: o.DropIndex, ctx: Ctx) -> list[str]:
    kwargs = [
        ("table_name", opt_repr(op.table)),
        schema_kw(ctx, op.schema),
        ("postgresql_concurrently", "True" if op.concurrently else None),
    ]
    return call_statement(ctx, "op.drop_index", [repr(op.name)], kwargs)


@render_op.register
def _(op: o.AddConstraint, ctx: Ctx) -> list[str]:
    return create_constraint(op.constraint, op.table, op.schema, ctx)


@render_op.register
def _(op: o.DropConstraint, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "drop_constraint", op.table)
    kwargs = [("type_", opt_repr(op.kind)), schema_kw(ctx, op.schema)]
    return call_statement(ctx, func, [repr(op.name)] + args, kwargs)


@render_op.register
def _(op: o.CreateEnum, ctx: Ctx) -> list[str]:
    return [f"{ctx.pad}{_enum(op.name, op.values, op.schema, ctx)}.create({_enum_bind(ctx)})"]


@render_op.register
def _(op: o.DropEnum, ctx: Ctx) -> list[str]:
    return [f"{ctx.pad}{_enum(op.name, (), op.schema, ctx)}.drop({_enum_bind(ctx)})"]


def _enum(name: str, values: Sequence[str], schema: str | None, ctx: Ctx) -> str:
    parts = [repr(value) for value in values] + [f"name={name!r}"]
    if schema is not None:
        parts.append(f"schema={schema!r}")
    if ctx.dialect == "postgresql":
        ctx.imports.add("postgresql")
        return f"postgresql.ENUM({', '.join(parts)})"
    return f"sa.Enum({', '.join(parts)})"


def _enum_bind(ctx: Ctx) -> str:
    return "op.get_bind()" if ctx.dialect == "postgresql" else "op.get_bind(), checkfirst=False"


@render_op.register
def _(op: o.ExecuteSQL, ctx: Ctx) -> list[str]:
    return call_statement(ctx, "op.execute", [sa_text(op.sql)])


@render_op.register
def _(op: o.ConvertCharset, ctx: Ctx) -> list[str]:
    return call_statement(ctx, "op.execute", [sa_text(convert_charset_sql(op))])


def convert_charset_sql(op: o.ConvertCharset) -> str:
    """The statement for a ConvertCharset the legacy SQL did not spell (a downgrade)."""
    names = [op.charset, *([op.collation] if op.collation else [])]
    if not all(re.fullmatch(r"\w+", name) for name in names):
        raise RenderError(f"{' '.join(names)!r} is not a character set name", where_of(op))
    table = quote_ident(op.table, Dialect.MYSQL)
    if op.schema:
        table = f"{quote_ident(op.schema, Dialect.MYSQL)}.{table}"
    collate = f" COLLATE {op.collation}" if op.collation else ""
    return f"ALTER TABLE {table} CONVERT TO CHARACTER SET {op.charset}{collate}"


@render_op.register
def _(op: o.RestateColumn, ctx: Ctx) -> list[str]:
    return call_statement(ctx, "op.execute", [sa_text(restate_column_sql(op))])


def restate_column_sql(op: o.RestateColumn) -> str:
    """The MODIFY / CHANGE for a RestateColumn the legacy SQL did not spell (a downgrade)."""
    col = op.column
    if col.type is None:
        raise RenderError(
            f"{op.table}.{col.name}: a column restated without its type", where_of(op)
        )
    mysql = Dialect.MYSQL
    table = quote_ident(op.table, mysql)
    if op.schema:
        table = f"{quote_ident(op.schema, mysql)}.{table}"
    name = quote_ident(col.name, mysql)
    action = f"MODIFY COLUMN {name}"
    if op.old != col.name:
        action = f"CHANGE COLUMN {quote_ident(op.old, mysql)} {name}"
    parts = [action, mysql_type_sql(col.type, op), "NULL" if col.nullable else "NOT NULL"]
    if col.server_default is not None:
        parts.append(f"DEFAULT {col.server_default}")
    if col.autoincrement:
        parts.append("AUTO_INCREMENT")
    if col.comment is not None:
        parts.append(f"COMMENT {mysql_string(col.comment)}")
    if op.position is not None:
        after = op.position.after
        parts.append("FIRST" if after is None else f"AFTER {quote_ident(after, mysql)}")
    return f"ALTER TABLE {table} {' '.join(parts)}"


def mysql_type_sql(spec: o.TypeSpec, op: o.Op) -> str:
    """A column type as MySQL DDL, compiled by SQLAlchemy's MySQL dialect."""
    from sqlalchemy.dialects import mysql
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return str(to_sqlalchemy(spec).compile(dialect=mysql.dialect()))
    except (SQLAlchemyError, TypeError, ValueError) as e:
        raise RenderError(
            f"type {render_type(spec)} has no MySQL spelling: {e}", where_of(op)
        ) from e


def mysql_string(text: str) -> str:
    """A MySQL string literal (backslash escapes on, as MySQL's default SQL mode has them)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


@render_op.register
def _(op: o.RewriteTable, ctx: Ctx) -> list[str]:
    note = f"legacy2alembic: table {op.table!r} rebuilt through {op.temp_table!r}, step by step:"
    return note_lines(note, ctx) + render_ops(op.steps, ctx)


@render_op.register
def _(op: o.CreateTablesFromModels, ctx: Ctx) -> list[str]:
    raise RenderError(
        f"{op.call} was not resolved to create_table operations before rendering", where_of(op)
    )


@render_op.register
def _(op: o.ManualTodo, ctx: Ctx) -> list[str]:
    return note_lines(f"{TODO_MARK}: {op.reason}", ctx) + comment_lines(
        op.code, ctx, prefix="#     "
    )


@render_op.register
def _(op: o.Irreversible, ctx: Ctx) -> list[str]:
    return note_lines(f"legacy2alembic: cannot downgrade: {op.reason}", ctx)
