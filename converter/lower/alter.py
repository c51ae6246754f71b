"""ALTER TABLE: each action becomes one op (two for MySQL CHANGE with a new name), in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlglot import exp

from converter.core.diagnostics import Origin
from converter.core.dialects import Dialect
from converter.ir.ops import (
    UNSET,
    AddColumn,
    AddConstraint,
    AlterColumn,
    ConstraintKind,
    CreateIndex,
    DropColumn,
    DropConstraint,
    DropIndex,
    Op,
    Position,
    RenameColumn,
    RenameTable,
    RestateColumn,
    TypeSpec,
)
from converter.lower.common import Ctx, Unsupported
from converter.lower.table import Column, plain, read_column, table_constraint
from converter.lower.types import type_from_sqlglot

_DROP_KINDS: dict[str, ConstraintKind | None] = {
    "CONSTRAINT": None,
    "FOREIGN KEY": "foreignkey",
    "CHECK": "check",
}


@dataclass
class Action:
    """One ALTER TABLE action with its table and its span of source tokens."""

    table: str
    schema: str | None
    first: int
    last: int
    ctx: Ctx

    @property
    def origin(self) -> Origin:
        return self.ctx.stmt.origin


def alter_table(expr: exp.Alter, ctx: Ctx) -> list[Op]:
    """ALTER TABLE [IF EXISTS] [ONLY] t action, action... -> ops in source order."""
    plain(expr, {"this", "kind", "actions", "exists", "only"}, "ALTER TABLE", ctx)
    if expr.args.get("only"):
        ctx.info(
            "ALTER TABLE ONLY written without ONLY: it only differs for inherited tables",
            code="L2A308",
        )
    table, schema = ctx.table(expr.this)
    src = ctx.src
    actions = expr.args.get("actions") or []
    spans = src.split(src.index_of(expr.this.this) + 1, src.last)
    if len(spans) != len(actions):
        raise Unsupported("cannot match the ALTER TABLE actions with the source text")
    ops: list[Op] = []
    for node, (first, last) in zip(actions, spans):
        handler = _ACTIONS.get(type(node))
        if handler is None:
            raise Unsupported(f"ALTER TABLE action {src.text(first, last)!r} has no op form")
        made = handler(node, Action(table, schema, first, last, ctx))
        if node.args.get("exists"):  # ADD COLUMN IF NOT EXISTS, DROP ... IF EXISTS
            made = [replace(op, guard="sql", statement=op.statement or ctx.stmt.sql) for op in made]
        ops += made
    return ops


def _add_column(node: exp.ColumnDef, act: Action) -> list[Op]:
    positioned = _as_written_alone(node, act)
    col = read_column(_model_view(node) if positioned else node, act.ctx, act.last)
    if col.autoincrement or col.primary_key:
        raise Unsupported(
            f"column {col.name}: a primary key or auto-increment in ADD COLUMN "
            "has no op form (add_column does not create them)"
        )
    # SQLite adds a column's constraints only within ADD COLUMN, and Alembic can express that
    # neither directly nor in batch mode (an unnamed constraint). A default written as SQL text
    # makes Alembic's batch mode rebuild the whole table instead of ALTER TABLE ADD COLUMN
    # (losing AUTOINCREMENT and triggers). In both cases the statement runs as written.
    # A MySQL column position (AFTER / FIRST), ON UPDATE, CHARACTER SET or COLLATE have no op
    # form either: the statement runs as written, and the schema model still learns the column
    # (later MODIFYs and the downgrade need its definition) and its place.
    exact = positioned or (
        act.ctx.dialect == "sqlite" and (bool(col.constraints) or col.default is not None)
    )
    return [
        AddColumn(
            act.table,
            col.definition(),
            tuple(col.constraints),
            schema=act.schema,
            position=_position(node, act.ctx) if positioned else None,
            origin=act.origin,
            statement=_without_guard(act.ctx.stmt.sql, act.ctx.dialect) if exact else None,
            exact=exact,
        )
    ]


_ADD_GUARD = re.compile(r"(\bADD\s+(?:COLUMN\s+)?)IF\s+NOT\s+EXISTS\s+", re.IGNORECASE)


def _without_guard(sql: str, dialect: Dialect) -> str:
    """The statement as the dialect accepts it: SQLite and MySQL have no ADD COLUMN IF NOT
    EXISTS (plan decides the guard on the schema model, as for every guarded op)."""
    return sql if dialect == "postgres" else _ADD_GUARD.sub(r"\1", sql)


# MySQL column attributes Alembic cannot state, and the schema model does not track.
_AS_WRITTEN = (
    exp.OnUpdateColumnConstraint,
    exp.CharacterSetColumnConstraint,
    exp.CollateColumnConstraint,
)


def _as_written_alone(node: exp.ColumnDef, act: Action, also: tuple[type, ...] = ()) -> bool:
    """MySQL ADD COLUMN (or MODIFY / CHANGE) with a position (AFTER / FIRST) or an attribute
    of `_AS_WRITTEN` (or of `also`), as the ALTER's only action (else the exact statement
    would run once per op it lowers to)."""
    alter = node.parent.parent if isinstance(node.parent, exp.ModifyColumn) else node.parent
    return (
        act.ctx.dialect == "mysql"
        and (node.args.get("position") is not None or bool(_written_only(node, also)))
        and isinstance(alter, exp.Alter)
        and len(alter.args.get("actions") or []) == 1
    )


def _written_only(node: exp.ColumnDef, also: tuple[type, ...] = ()) -> list[exp.Expression]:
    constraints = node.args.get("constraints") or []
    return [c for c in constraints if isinstance(c.args.get("kind"), _AS_WRITTEN + also)]


def _model_view(node: exp.ColumnDef) -> exp.ColumnDef:
    """The column as the schema model keeps it: without position and `_AS_WRITTEN` parts."""
    bare = node.copy()
    bare.set("position", None)
    dropped = {id(c) for c in _written_only(node)}
    kept = [c for c in node.args.get("constraints") or [] if id(c) not in dropped]
    bare.set("constraints", [c.copy() for c in kept])
    return bare


def _position(node: exp.ColumnDef, ctx: Ctx) -> Position | None:
    """FIRST / AFTER x of a MySQL column definition."""
    place = node.args.get("position")
    if place is None:
        return None
    if str(place.args.get("position") or "").upper() == "FIRST":
        return Position()
    return Position(ctx.name(place.this.this if isinstance(place.this, exp.Column) else place.this))


def _drop(node: exp.Drop, act: Action) -> list[Op]:
    plain(node, {"kind", "tables", "exists"}, "ALTER TABLE DROP", act.ctx)
    kind = str(node.args.get("kind") or "").upper()
    names = [act.ctx.name(t.this if isinstance(t, exp.Table) else t) for t in node.args["tables"]]
    if kind == "COLUMN":
        return [DropColumn(act.table, n, schema=act.schema, origin=act.origin) for n in names]
    if kind == "INDEX":
        return [DropIndex(n, table=act.table, schema=act.schema, origin=act.origin) for n in names]
    if kind in _DROP_KINDS:
        return [
            DropConstraint(
                act.table, n, kind=_DROP_KINDS[kind], schema=act.schema, origin=act.origin
            )
            for n in names
        ]
    raise Unsupported(f"ALTER TABLE DROP {kind} has no op form")


def _drop_primary_key(node: exp.Expression, act: Action) -> list[Op]:
    if act.ctx.dialect != "mysql":
        raise Unsupported("DROP PRIMARY KEY outside MySQL")
    return [
        DropConstraint(act.table, "PRIMARY", kind="primary", schema=act.schema, origin=act.origin)
    ]


def _rename_column(node: exp.RenameColumn, act: Action) -> list[Op]:
    plain(node, {"this", "to"}, "RENAME COLUMN", act.ctx)
    return [
        RenameColumn(
            act.table,
            act.ctx.name(node.this),
            act.ctx.name(node.args["to"]),
            schema=act.schema,
            origin=act.origin,
        )
    ]


def _rename_table(node: exp.AlterRename, act: Action) -> list[Op]:
    new, schema = act.ctx.table(node.this)
    if schema not in (None, act.schema):
        raise Unsupported("RENAME TO another schema has no op form")
    return [RenameTable(act.table, new, schema=act.schema, origin=act.origin)]


def _alter_column(node: exp.AlterColumn, act: Action) -> list[Op]:
    plain(
        node, {"this", "dtype", "using", "default", "drop", "allow_null"}, "ALTER COLUMN", act.ctx
    )
    column = act.ctx.name(node.this)
    changes: dict[str, object] = {}
    if node.args.get("dtype"):
        changes["type"], changes["using"] = _new_type(node, act)
    elif node.args.get("allow_null") is not None:
        changes["nullable"] = bool(node.args["allow_null"])
    elif node.args.get("default") is not None:
        changes["server_default"] = _after_keyword("DEFAULT", act)
    elif node.args.get("drop"):
        changes["server_default"] = None
    else:
        raise Unsupported(f"ALTER COLUMN {act.ctx.src.text(act.first, act.last)!r}")
    return [AlterColumn(act.table, column, schema=act.schema, origin=act.origin, **changes)]  # type: ignore[arg-type]


def _new_type(node: exp.AlterColumn, act: Action) -> tuple[TypeSpec, str | None]:
    src = act.ctx.src
    keyword = src.find({"TYPE"}, act.first, act.last)
    if keyword is None:
        raise Unsupported("cannot locate the new column type")
    using = src.find({"USING"}, keyword + 1, act.last)
    last = act.last if using is None else using - 1
    spelled = src.text(keyword + 1, last)
    spec = type_from_sqlglot(node.args["dtype"], act.ctx.dialect, spelled=spelled)
    if spec is None or spelled.upper().strip() in ("SERIAL", "BIGSERIAL", "SMALLSERIAL"):
        raise Unsupported(f"type {spelled} has no faithful SQLAlchemy type")
    return spec, None if using is None else src.text(using + 1, act.last)


def _after_keyword(word: str, act: Action) -> str:
    src = act.ctx.src
    keyword = src.find({word}, act.first, act.last)
    if keyword is None:
        raise Unsupported(f"cannot locate the {word} text")
    return src.text(keyword + 1, act.last)


# What alter_column cannot state in a MODIFY / CHANGE, besides `_AS_WRITTEN` and a position.
_RESTATED_ONLY = (exp.CommentColumnConstraint, exp.AutoIncrementColumnConstraint)


def _modify_column(node: exp.ModifyColumn, act: Action) -> list[Op]:
    """MySQL MODIFY / CHANGE restate the whole column: unstated NOT NULL means nullable, an
    unstated DEFAULT, COMMENT or AUTO_INCREMENT means none."""
    written = _as_written_alone(node.this, act, also=_RESTATED_ONLY)
    col = read_column(_model_view(node.this) if written else node.this, act.ctx, act.last)
    if col.primary_key or col.constraints:
        raise Unsupported(
            f"column {col.name}: MODIFY / CHANGE with PRIMARY KEY, UNIQUE, CHECK or REFERENCES "
            "has no op form (its downgrade would have to drop the key too)"
        )
    old = act.ctx.name(node.args["rename_from"]) if node.args.get("rename_from") else col.name
    if written:
        return [_restated(node.this, col, old, act)]
    if col.autoincrement or col.comment is not None:
        raise Unsupported(
            f"column {col.name}: AUTO_INCREMENT or COMMENT in a MODIFY / CHANGE with other "
            "actions has no op form"
        )
    ops: list[Op] = []
    if old != col.name:
        # MySQL renames by restating the column: where the schema model does not know it, the
        # definition CHANGE gives is the one to restate (plan prefers the model's).
        ops.append(
            RenameColumn(
                act.table,
                old,
                col.name,
                schema=act.schema,
                origin=act.origin,
                existing=col.definition(),
            )
        )
    ops.append(
        AlterColumn(
            act.table,
            col.name,
            type=col.type or UNSET,
            nullable=col.nullable,
            server_default=col.default,
            comment=None,
            schema=act.schema,
            origin=act.origin,
        )
    )
    return ops


def _restated(node: exp.ColumnDef, col: Column, old: str, act: Action) -> RestateColumn:
    """MODIFY / CHANGE saying what alter_column cannot: run as written, learned whole."""
    return RestateColumn(
        act.table,
        old,
        replace(col.definition(), autoincrement=bool(col.autoincrement)),
        position=_position(node, act.ctx),
        schema=act.schema,
        origin=act.origin,
        statement=act.ctx.stmt.sql,
        exact=True,
    )


def _add_constraint(node: exp.AddConstraint, act: Action) -> list[Op]:
    ops: list[Op] = []
    for item in node.expressions:
        made = table_constraint(item, (act.first, act.last), act.ctx, act.table, act.schema)
        if isinstance(made, CreateIndex):
            ops.append(made)
        else:
            ops.append(AddConstraint(act.table, made, schema=act.schema, origin=act.origin))
    return ops


_ACTIONS: dict[type, Callable[..., list[Op]]] = {
    exp.ColumnDef: _add_column,
    exp.Drop: _drop,
    exp.DropPrimaryKey: _drop_primary_key,
    exp.RenameColumn: _rename_column,
    exp.AlterRename: _rename_table,
    exp.AlterColumn: _alter_column,
    exp.ModifyColumn: _modify_column,
    exp.AddConstraint: _add_constraint,
}
