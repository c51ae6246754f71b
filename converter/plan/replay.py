"""Replay ops on the schema model: forward (`apply`), and backward from a later state
(`unapply`: walking back from the reference to the baseline, inferring what a rebuild replaced).
"""

from __future__ import annotations

from dataclasses import replace

from converter.ir import ops as o
from converter.plan import mysql_keys
from converter.plan.schema import (
    SchemaModel,
    TableModel,
    add_table,
    apply,
    constraint_columns,
    drop_column,
    drop_table,
    owning_column,
    place_column,
    rename_column_refs,
    rename_object,
    rename_owner,
    rename_table_refs,
    restated_as_alter,
    schema_after_alter,
    settle_serial,
    unapply,
)

# ---- apply -----------------------------------------------------------------------------------


@apply.register
def _(op: o.CreateTable, schema: SchemaModel) -> None:
    add_table(schema, op)
    schema.removed.discard(op.table)


@apply.register
def _(op: o.DropTable, schema: SchemaModel) -> None:
    schema.removed.update(n for n, ix in schema.indexes.items() if ix.table == op.table)
    drop_table(schema, op.table)
    schema.removed.add(op.table)


@apply.register
def _(op: o.RenameTable, schema: SchemaModel) -> None:
    if op.old in schema.tables:
        rename_table_refs(schema, op.old, op.new)
        rename_owner(schema, op.old, op.new)
        if schema.is_mysql:
            mysql_keys.table_renamed(schema, op.old, op.new)
        schema.removed.add(op.old)
        schema.removed.discard(op.new)


@apply.register
def _(op: o.AddColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    t.columns[op.column.name] = op.column
    place_column(t, op.column.name, op.position)
    t.constraints.extend(op.constraints)
    if op.column.primary_key:
        t.constraints.append(o.PrimaryKey((op.column.name,)))


@apply.register
def _(op: o.DropColumn, schema: SchemaModel) -> None:
    drop_column(schema, op.table, op.column)


@apply.register
def _(op: o.RenameColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    if op.old not in t.columns:
        t.columns[op.old] = o.ColumnDef(op.old, None)
    rename_column_refs(schema, op.table, op.old, op.new)
    mysql_keys.column_renamed(schema, op.table, op.old, op.new)


@apply.register
def _(op: o.AlterColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    col = schema_after_alter(t.columns.get(op.column) or o.ColumnDef(op.column, None), op)
    t.columns[op.column] = settle_serial(t, col, op)
    schema.guessed -= {(op.table, op.column, a) for a in altered(op)}


@apply.register
def _(op: o.RestateColumn, schema: SchemaModel) -> None:
    for step in restated_as_alter(op):
        apply(step, schema)
    t = schema.tables[op.table]
    name = op.column.name
    t.columns[name] = replace(t.columns[name], autoincrement=op.column.autoincrement)
    place_column(t, name, op.position)


def altered(op: o.AlterColumn) -> list[str]:
    """The attributes an AlterColumn sets, named as stamp compares them."""
    values = {
        "type": op.type,
        "nullable": op.nullable,
        "default": op.server_default,
        "identity": op.identity,
    }
    return [name for name, value in values.items() if not isinstance(value, o.Unset)]


@apply.register
def _(op: o.ConvertCharset, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    charset = [("mysql_charset", op.charset)]
    charset += [("mysql_collate", op.collation)] if op.collation else []
    t.options = tuple(
        (key, value) for key, value in t.options if key not in _CHARSET_OPTIONS
    ) + tuple(charset)


# Table options that say a MySQL table's character set (a reflected table says "default charset").
_CHARSET_OPTIONS = ("mysql_charset", "mysql_default charset", "mysql_collate")


@apply.register
def _(op: o.CreateIndex, schema: SchemaModel) -> None:
    schema.indexes[op.name] = op
    schema.removed.discard(op.name)
    if schema.is_mysql:
        mysql_keys.index_created(schema, op)


@apply.register
def _(op: o.DropIndex, schema: SchemaModel) -> None:
    if schema.indexes.pop(op.name, None) is not None:
        schema.removed.add(op.name)
    elif schema.implicit.pop((op.table or "", op.name), None) is not None:
        schema.removed.add(op.name)


@apply.register
def _(op: o.AddConstraint, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    constraint = op.constraint
    if schema.is_mysql and isinstance(constraint, o.ForeignKey):
        constraint = mysql_keys.added_key(schema, t, constraint)
    t.constraints.append(constraint)


@apply.register
def _(op: o.DropConstraint, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    t.constraints = [c for c in t.constraints if c.name != op.name]


@apply.register
def _(op: o.CreateEnum, schema: SchemaModel) -> None:
    schema.enums[op.name] = op.values


@apply.register
def _(op: o.DropEnum, schema: SchemaModel) -> None:
    schema.enums.pop(op.name, None)
    schema.objects.pop(o.ObjectRef("TYPE", op.name), None)


@apply.register
def _(op: o.ExecuteSQL, schema: SchemaModel) -> None:
    for ref in op.drops:
        schema.objects.pop(ref, None)
        owner = owning_column(schema, ref)
        if owner is not None:  # CASCADE takes the serial's default with it
            t, column = owner
            del t.sequences[column]
            t.columns[column] = replace(t.columns[column], autoincrement=False)
    for ref in op.creates:
        if ref.values:
            schema.enums.setdefault(ref.name, ref.values)  # EXCEPTION WHEN duplicate_object
        else:
            schema.objects.pop(ref, None)  # CREATE OR REPLACE: the newest definition is last
            schema.objects[ref] = op
    if op.renamed:
        rename_object(schema, *op.renamed)


@apply.register
def _(op: o.RewriteTable, schema: SchemaModel) -> None:
    for step in op.steps:
        apply(step, schema)


# ---- unapply (walk back from a later state) --------------------------------------------------


@unapply.register
def _(op: o.CreateTable, schema: SchemaModel) -> None:
    drop_table(schema, op.table)


@unapply.register
def _(op: o.DropTable, schema: SchemaModel) -> None:
    schema.ensure_table(op.table, op.schema)


@unapply.register
def _(op: o.RenameTable, schema: SchemaModel) -> None:
    if op.new in schema.tables:
        rename_table_refs(schema, op.new, op.old)


@unapply.register
def _(op: o.AddColumn, schema: SchemaModel) -> None:
    if op.table in schema.tables:
        drop_column(schema, op.table, op.column.name)


@unapply.register
def _(op: o.DropColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    t.columns.setdefault(op.column, o.ColumnDef(op.column, None))


@unapply.register
def _(op: o.RenameColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    if op.new not in t.columns:
        t.columns[op.new] = o.ColumnDef(op.new, None)
    rename_column_refs(schema, op.table, op.new, op.old)


@unapply.register
def _(op: o.AlterColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    col = t.columns.get(op.column) or o.ColumnDef(op.column, None)
    if not isinstance(op.type, o.Unset):
        col = replace(col, type=None)
    if not isinstance(op.nullable, o.Unset):
        col = replace(col, nullable=not op.nullable)
    if not isinstance(op.server_default, o.Unset):
        col = replace(col, server_default=None)
    if not isinstance(op.identity, o.Unset):
        col = replace(col, identity="by default" if op.identity is None else None)
    if not isinstance(op.comment, o.Unset):
        col = replace(col, comment=None)
    t.columns[op.column] = col
    schema.guessed |= {(op.table, op.column, a) for a in altered(op) if a != "type"}


@unapply.register
def _(op: o.RestateColumn, schema: SchemaModel) -> None:
    for step in reversed(restated_as_alter(op)):
        unapply(step, schema)


@unapply.register
def _(op: o.CreateIndex, schema: SchemaModel) -> None:
    schema.indexes.pop(op.name, None)


@unapply.register
def _(op: o.DropIndex, schema: SchemaModel) -> None:
    schema.indexes.setdefault(op.name, o.CreateIndex(op.name, op.table or "", ()))


@unapply.register
def _(op: o.AddConstraint, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    if op.constraint in t.constraints:
        t.constraints.remove(op.constraint)
    elif op.constraint.name:
        t.constraints = [c for c in t.constraints if c.name != op.constraint.name]
    else:  # MySQL named it: the same key under any name
        named = [c for c in t.constraints if replace(c, name=None) == op.constraint]
        if named:
            t.constraints.remove(named[-1])


@unapply.register
def _(op: o.CreateEnum, schema: SchemaModel) -> None:
    schema.enums.pop(op.name, None)


@unapply.register
def _(op: o.DropEnum, schema: SchemaModel) -> None:
    schema.enums.setdefault(op.name, None)


@unapply.register
def _(op: o.ExecuteSQL, schema: SchemaModel) -> None:
    for ref in op.creates:
        if ref.values:
            schema.enums.pop(ref.name, None)
        else:
            schema.objects.pop(ref, None)
    if op.renamed:
        ref, new = op.renamed
        rename_object(schema, replace(ref, name=new), ref.name)


@unapply.register
def _(op: o.CreateTablesFromModels, schema: SchemaModel) -> None:
    for table in op.tables:
        drop_table(schema, table)


@unapply.register
def _(op: o.RewriteTable, schema: SchemaModel) -> None:
    for step in reversed(op.steps):
        unapply(step, schema)
    if op.copied and not schema.tables[op.table].columns:
        schema.tables[op.table] = _inferred_before(op)
        schema.guessed |= {
            (op.table, c, a)
            for c in schema.tables[op.table].columns
            for a in ("type", "nullable", "default")
        }


def _inferred_before(op: o.RewriteTable) -> TableModel:
    """The table before a rebuild, as its copy statement implies: each old column read has the
    new column's definition; one read through an expression (COALESCE(title, '')) is taken as
    nullable and without a server default, since the rebuild exists to change it (stamp compares
    defaults, and a default the old table never had would make every older database drift).
    A guess, reported as such; old models replace it when available."""
    new_cols = {c.name: c for c in op.new_table.columns}
    renamed = {new: old for new, old, _ in op.copied}
    columns = {
        old: _column_before(new_cols[new], old, plain)
        for new, old, plain in op.copied
        if new in new_cols
    }
    constraints = [
        _rename_all(c, renamed)
        for c in op.new_table.constraints
        if set(constraint_columns(c)) <= set(renamed)
    ]
    return TableModel(op.table, columns, constraints, op.new_table.schema, inferred_from=op.origin)


def _column_before(new: o.ColumnDef, old_name: str, plain: bool) -> o.ColumnDef:
    if plain:
        return replace(new, name=old_name)
    return replace(new, name=old_name, nullable=True, server_default=None)


def _rename_all(c: o.Constraint, renamed: dict[str, str]) -> o.Constraint:
    if isinstance(c, o.Check):
        return c
    return replace(c, columns=tuple(renamed.get(n, n) for n in c.columns))
