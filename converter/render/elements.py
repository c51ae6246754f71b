"""The pieces inside op calls: `sa.Column(...)`, constraint arguments, `op.create_*` constraints.

create_table, add_column and add_constraint all build them, so they are rendered in one place,
dispatched on the constraint class with `functools.singledispatch`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from converter.ir import ops as o
from converter.render.code import (
    Call,
    Ctx,
    RenderError,
    call_statement,
    name_list,
    opt_repr,
    schema_kw,
    target,
    type_code,
)
from converter.render.literals import sa_text, sql_literal


def column_code(col: o.ColumnDef, ctx: Ctx, primary_key: bool = False) -> Call:
    """`sa.Column(...)` in autogenerate's argument order; nullable is always explicit."""
    parts = [repr(col.name), type_code(col.type, ctx)]
    if col.identity is not None:
        parts.append(identity_code(col.identity))
    if col.server_default is not None:
        parts.append(f"server_default={sa_text(col.server_default)}")
    if primary_key and col.primary_key:
        parts.append("primary_key=True")
    if col.autoincrement is not None:
        parts.append(f"autoincrement={col.autoincrement!r}")
    parts.append(f"nullable={col.nullable!r}")
    if col.comment is not None:
        parts.append(f"comment={col.comment!r}")
    return Call("sa.Column(", tuple(parts))


def identity_code(kind: o.IdentityKind) -> str:
    """`sa.Identity(...)` for GENERATED ALWAYS / BY DEFAULT AS IDENTITY."""
    return "sa.Identity(always=True)" if kind == "always" else "sa.Identity()"


@functools.singledispatch
def constraint_element(con: o.Constraint) -> Call:
    """The `sa.*Constraint(...)` argument of create_table."""
    raise RenderError(f"no renderer for constraint {type(con).__name__}")


@constraint_element.register
def _(con: o.PrimaryKey) -> Call:
    return _element("sa.PrimaryKeyConstraint", [repr(c) for c in con.columns], con.name)


@constraint_element.register
def _(con: o.Unique) -> Call:
    return _element("sa.UniqueConstraint", [repr(c) for c in con.columns], con.name)


@constraint_element.register
def _(con: o.Check) -> Call:
    return _element("sa.CheckConstraint", [sql_literal(con.sqltext)], con.name)


@constraint_element.register
def _(con: o.ForeignKey) -> Call:
    prefix = f"{con.ref_schema}." if con.ref_schema else ""
    refs = name_list(f"{prefix}{con.ref_table}.{col}" for col in con.ref_columns)
    return _element(
        "sa.ForeignKeyConstraint", [name_list(con.columns), refs], con.name, _fk_options(con)
    )


def _element(
    func: str, args: list[str], name: str | None, options: Sequence[tuple[str, str | None]] = ()
) -> Call:
    kwargs = [("name", opt_repr(name)), *options]
    parts = args + [f"{key}={value}" for key, value in kwargs if value is not None]
    return Call(f"{func}(", tuple(parts))


def _fk_options(con: o.ForeignKey) -> list[tuple[str, str | None]]:
    return [
        ("ondelete", opt_repr(con.ondelete)),
        ("onupdate", opt_repr(con.onupdate)),
        ("deferrable", opt_repr(con.deferrable)),
        ("initially", opt_repr(con.initially)),
    ]


@functools.singledispatch
def create_constraint(con: o.Constraint, table: str, schema: str | None, ctx: Ctx) -> list[str]:
    """`op.create_*` for a constraint added to an existing table."""
    raise RenderError(f"no renderer for constraint {type(con).__name__}")


@create_constraint.register
def _(con: o.PrimaryKey, table: str, schema: str | None, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "create_primary_key", table)
    return call_statement(
        ctx, func, [repr(con.name)] + args + [name_list(con.columns)], [schema_kw(ctx, schema)]
    )


@create_constraint.register
def _(con: o.Unique, table: str, schema: str | None, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "create_unique_constraint", table)
    return call_statement(
        ctx, func, [repr(con.name)] + args + [name_list(con.columns)], [schema_kw(ctx, schema)]
    )


@create_constraint.register
def _(con: o.Check, table: str, schema: str | None, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "create_check_constraint", table)
    return call_statement(
        ctx, func, [repr(con.name)] + args + [sql_literal(con.sqltext)], [schema_kw(ctx, schema)]
    )


@create_constraint.register
def _(con: o.ForeignKey, table: str, schema: str | None, ctx: Ctx) -> list[str]:
    func, args = target(ctx, "create_foreign_key", table)
    positional = (
        [repr(con.name)]
        + args
        + [repr(con.ref_table), name_list(con.columns), name_list(con.ref_columns)]
    )
    kwargs = _fk_options(con) + [
        ("source_schema", None if ctx.batch else opt_repr(schema)),
        ("referent_schema", opt_repr(con.ref_schema)),
    ]
    return call_statement(ctx, func, positional, kwargs)
