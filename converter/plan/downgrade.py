"""Downgrades: each op reversed against the schema state it applies to (`reverse`).

What the state does not know (a dropped column's type, the SQL of a dropped view) becomes an
`Irreversible` note in the revision instead of a guess.
"""

from __future__ import annotations

from dataclasses import replace

from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.plan import mysql_keys
from converter.plan.schema import (
    SchemaModel,
    TableModel,
    apply,
    constraint_columns,
    find_constraint,
    mysql_auto_increment,
    owned_objects,
    owning_column,
    position_of,
    quote_ident,
    reverse,
    schema_after_alter,
    settle_serial,
    uses_column,
)

# ---- reverse (the downgrade of one op, against the state it applies to) ----------------------


def _irreversible(op: o.Op, reason: str) -> list[o.Op]:
    return [o.Irreversible(reason, origin=op.origin)]


def _recreate_table(t: TableModel, schema: SchemaModel, origin: o.Origin) -> list[o.Op]:
    unknown = [c.name for c in t.columns.values() if c.type is None]
    if not t.known or not t.columns or unknown:
        what = f"columns {', '.join(unknown)} of" if unknown else "the definition of"
        return [
            o.Irreversible(f"cannot recreate table {t.name}: {what} it is unknown", origin=origin)
        ]
    indexes = [replace(ix, origin=origin) for ix in schema.indexes_of(t.name) if ix.elements]
    objects = [
        replace(made, origin=origin)
        for ref in owned_objects(schema, t.name)
        if (made := schema.objects[ref]) is not None
    ]
    return [t.as_create(origin), *indexes, *objects]


@reverse.register
def _(op: o.CreateTable, schema: SchemaModel) -> list[o.Op]:
    return [o.DropTable(op.table, schema=op.schema, origin=op.origin)]


@reverse.register
def _(op: o.DropTable, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    if t is None:
        return _irreversible(op, f"table {op.table} was not known before it was dropped")
    return _recreate_table(t, schema, op.origin)


@reverse.register
def _(op: o.RenameTable, schema: SchemaModel) -> list[o.Op]:
    return [o.RenameTable(op.new, op.old, schema=op.schema, origin=op.origin)]


@reverse.register
def _(op: o.AddColumn, schema: SchemaModel) -> list[o.Op]:
    drops: list[o.Op] = [
        o.DropConstraint(op.table, c.name, _kind(c), schema=op.schema, origin=op.origin)
        for c in op.constraints
        if c.name and not isinstance(c, o.Check)
    ]
    return [*drops, o.DropColumn(op.table, op.column.name, schema=op.schema, origin=op.origin)]


@reverse.register
def _(op: o.DropColumn, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    col = t.columns.get(op.column) if t else None
    if t is None or col is None or col.type is None:
        return _irreversible(op, f"type of dropped column {op.table}.{op.column} is unknown")
    restored: list[o.Op] = [
        o.AddColumn(op.table, replace(col, primary_key=False), schema=op.schema, origin=op.origin)
    ]
    restored += [
        replace(ix, origin=op.origin)
        for ix in schema.indexes_of(op.table)
        if uses_column(ix, op.column)
    ]
    restored += [
        o.AddConstraint(op.table, c, schema=op.schema, origin=op.origin)
        for c in t.constraints
        if op.column in constraint_columns(c) and c.name
    ]
    return restored


@reverse.register
def _(op: o.RenameColumn, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    existing = t.columns.get(op.old) if t else None
    if existing is None or existing.type is None:
        existing = op.existing  # what the statement itself said (MySQL CHANGE)
    renamed = replace(existing, name=op.new) if existing else None
    return [
        o.RenameColumn(
            op.table, op.new, op.old, schema=op.schema, existing=renamed, origin=op.origin
        )
    ]


@reverse.register
def _(op: o.AlterColumn, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    before = t.columns.get(op.column) if t else None
    if before is None:
        return _irreversible(op, f"column {op.table}.{op.column} was not known before")
    notes: list[o.Op] = []
    type_: o.TypeSpec | o.Unset = o.UNSET
    if not isinstance(op.type, o.Unset):
        if before.type is None:
            notes += _irreversible(op, f"previous type of {op.table}.{op.column} is unknown")
        else:
            type_ = before.type
    nullable = o.UNSET if isinstance(op.nullable, o.Unset) else before.nullable
    default = o.UNSET if isinstance(op.server_default, o.Unset) else _default_of(t, before)
    identity = _identity_undo(op, before)
    comment = o.UNSET if isinstance(op.comment, o.Unset) else before.comment
    if all(isinstance(value, o.Unset) for value in (type_, nullable, default, identity, comment)):
        return notes
    assert t is not None  # `before` came from it
    after = settle_serial(t, schema_after_alter(before, op), op)
    undo = o.AlterColumn(
        op.table,
        op.column,
        type_,
        nullable,
        default,
        identity=identity,
        comment=comment,
        schema=op.schema,
        existing=after,
        origin=op.origin,
    )
    return [*notes, undo]


def _default_of(t: TableModel | None, col: o.ColumnDef) -> str | None:
    """The column's server default; a serial's is `nextval` of its own sequence."""
    return (t.serial(col) if t else None) or col.server_default


def _identity_undo(op: o.AlterColumn, before: o.ColumnDef) -> o.IdentityKind | None | o.Unset:
    """The identity to restore; UNSET when the op left it as it was (DROP IDENTITY IF EXISTS
    of a column without one)."""
    if isinstance(op.identity, o.Unset) or op.identity == before.identity:
        return o.UNSET
    return before.identity


@reverse.register
def _(op: o.RestateColumn, schema: SchemaModel) -> list[o.Op]:
    """MODIFY / CHANGE the column back to the definition the model had, under its old name, and
    to its old place when the statement moved it (as far as the model's column order knows)."""
    t = schema.table(op.table)
    before = t.columns.get(op.old) if t else None
    if t is None or before is None or before.type is None:
        return _irreversible(op, f"the previous definition of {op.table}.{op.old} is unknown")
    restored = replace(before, autoincrement=mysql_auto_increment(t, before))
    return [
        o.RestateColumn(
            op.table,
            op.column.name,
            restored,
            position=position_of(t, op.old) if op.position else None,
            schema=op.schema,
            origin=op.origin,
        )
    ]


@reverse.register
def _(op: o.ConvertCharset, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    options = dict(t.options) if t else {}
    charset = options.get("mysql_charset") or options.get("mysql_default charset")
    if charset is None:
        return _irreversible(op, f"the previous character set of table {op.table} is unknown")
    collation = options.get("mysql_collate")
    return [
        o.ConvertCharset(
            op.table,
            str(charset),
            None if collation is None else str(collation),
            schema=op.schema,
            origin=op.origin,
        )
    ]


@reverse.register
def _(op: o.CreateIndex, schema: SchemaModel) -> list[o.Op]:
    drop = o.DropIndex(
        op.name, op.table, concurrently=op.concurrently, schema=op.schema, origin=op.origin
    )
    if not schema.is_mysql:
        return [drop]
    # InnoDB dropped the index it had made for a foreign key; the key needs one back before
    # this one goes (else error 1553).
    replaced = mysql_keys.index_created(schema.copy(), op)
    return [*(_implicit_index(op.table, *item, op) for item in replaced), drop]


def _implicit_index(table: str, name: str, columns: tuple[str, ...], op: o.Op) -> o.CreateIndex:
    elements = tuple(o.IndexElement(c) for c in columns)
    return o.CreateIndex(
        name, table, elements, schema=getattr(op, "schema", None), origin=op.origin
    )


@reverse.register
def _(op: o.DropIndex, schema: SchemaModel) -> list[o.Op]:
    ix = schema.indexes.get(op.name)
    columns = schema.implicit.get((op.table or "", op.name))
    if ix is None and columns is not None:
        return [_implicit_index(op.table or "", op.name, columns, op)]
    if ix is None or not ix.elements:
        return _irreversible(op, f"definition of dropped index {op.name} is unknown")
    return [replace(ix, concurrently=op.concurrently, origin=op.origin)]


def _kind(c: o.Constraint) -> o.ConstraintKind:
    kinds: dict[type, o.ConstraintKind] = {
        o.PrimaryKey: "primary",
        o.ForeignKey: "foreignkey",
        o.Unique: "unique",
        o.Check: "check",
    }
    return kinds[type(c)]


@reverse.register
def _(op: o.AddConstraint, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    if schema.is_mysql and isinstance(op.constraint, o.ForeignKey) and t is not None:
        return _drop_mysql_key(op, schema.copy())
    if not op.constraint.name:
        return _irreversible(
            op, f"unnamed {_kind(op.constraint)} constraint on {op.table} cannot be dropped by name"
        )
    return [
        o.DropConstraint(
            op.table, op.constraint.name, _kind(op.constraint), schema=op.schema, origin=op.origin
        )
    ]


def _drop_mysql_key(op: o.AddConstraint, scratch: SchemaModel) -> list[o.Op]:
    """The downgrade of ADD FOREIGN KEY on MySQL: the key, by the name InnoDB gives it, then
    the index InnoDB made for it (DROP FOREIGN KEY leaves it behind)."""
    before = set(scratch.implicit)
    apply(op, scratch)
    named = scratch.tables[op.table].constraints[-1].name or ""
    made = [name for (table, name) in set(scratch.implicit) - before if table == op.table]
    return [
        o.DropConstraint(op.table, named, "foreignkey", schema=op.schema, origin=op.origin),
        *(o.DropIndex(name, op.table, schema=op.schema, origin=op.origin) for name in made),
    ]


@reverse.register
def _(op: o.DropConstraint, schema: SchemaModel) -> list[o.Op]:
    t = schema.table(op.table)
    found = find_constraint(t, op.name) if t else None
    if found is None:
        return _irreversible(op, f"definition of dropped constraint {op.name} is unknown")
    return [o.AddConstraint(op.table, found, schema=op.schema, origin=op.origin)]


@reverse.register
def _(op: o.CreateEnum, schema: SchemaModel) -> list[o.Op]:
    return [o.DropEnum(op.name, schema=op.schema, origin=op.origin)]


@reverse.register
def _(op: o.DropEnum, schema: SchemaModel) -> list[o.Op]:
    values = schema.enums.get(op.name)
    made = schema.objects.get(o.ObjectRef("TYPE", op.name))
    if values is None and made is not None:
        return [replace(made, origin=op.origin)]
    if values is None:
        return _irreversible(op, f"values of dropped enum {op.name} are unknown")
    return [o.CreateEnum(op.name, values, schema=op.schema, origin=op.origin)]


def _words(ref: o.ObjectRef) -> str:
    return f"{ref.kind.lower()} {ref.name}" + (f" on {ref.table}" if ref.table else "")


def _recreate_owned(op: o.ExecuteSQL, t: TableModel, column: str) -> list[o.Op]:
    """A serial's sequence made again, owned by its column, and the column's default when the
    drop took it (the sequence starts again at 1: its last value is not kept)."""
    d = Dialect.POSTGRES
    sequence = quote_ident(t.sequences[column], d)
    owner = ".".join(quote_ident(n, d) for n in (*([t.schema] if t.schema else []), t.name))
    if t.schema:
        sequence = f"{quote_ident(t.schema, d)}.{sequence}"
    made: list[o.Op] = [
        o.ExecuteSQL(
            f"CREATE SEQUENCE {sequence} OWNED BY {owner}.{quote_ident(column, d)}",
            origin=op.origin,
        )
    ]
    default = t.serial(t.columns[column])
    if default is not None:
        made.append(
            o.AlterColumn(t.name, column, server_default=default, schema=t.schema, origin=op.origin)
        )
    return made


def _recreate_objects(op: o.ExecuteSQL, schema: SchemaModel) -> list[o.Op]:
    """The downgrade of a DROP VIEW / TRIGGER / FUNCTION...: the statements that made what it
    dropped, in the order they ran (a serial column's sequence: made again for its column)."""
    owned = {ref: found for ref in op.drops if (found := owning_column(schema, ref))}
    if owned:
        if len(owned) < len(op.drops):
            return _irreversible(op, "drops a serial's sequence and other objects at once")
        return [step for t, column in owned.values() for step in _recreate_owned(op, t, column)]
    for ref in op.drops:
        if schema.objects.get(ref) is None:
            why = "no legacy script made it" if ref not in schema.objects else "how is unknown"
            return _irreversible(op, f"cannot recreate {_words(ref)}: {why}")
    return [
        replace(made, origin=op.origin)
        for ref, made in schema.objects.items()
        if ref in op.drops and made is not None
    ]


def _undo_creates(op: o.ExecuteSQL, schema: SchemaModel) -> list[o.Op] | None:
    """The downgrade of statements whose effect the model knows better than `reverse_sql`:
    CREATE OR REPLACE / COMMENT ON of something that existed (made again as it was), enum
    types a DO block creates (dropped unless they existed). None: nothing known better."""
    enums = [r for r in op.creates if r.values]
    if enums:
        return [
            o.DropEnum(r.name, origin=op.origin)
            for r in reversed(enums)
            if r.name not in schema.enums
        ]
    earlier = [r for r in op.creates if r in schema.objects]
    if not earlier:
        return None
    undo: list[o.Op] = []
    for ref in earlier:
        made = schema.objects[ref]
        undo += (
            [replace(made, origin=op.origin)]
            if made is not None
            else _irreversible(op, f"the earlier definition of {_words(ref)} is unknown")
        )
    return undo


@reverse.register
def _(op: o.ExecuteSQL, schema: SchemaModel) -> list[o.Op]:
    if op.drops:
        return _recreate_objects(op, schema)
    undo = _undo_creates(op, schema)
    if undo is not None:
        return undo
    if op.reverse_sql:
        renamed = op.renamed and (replace(op.renamed[0], name=op.renamed[1]), op.renamed[0].name)
        return [
            o.ExecuteSQL(
                op.reverse_sql,
                kind=op.kind,
                autocommit=op.autocommit,
                tables=op.tables,
                renamed=renamed or None,
                origin=op.origin,
            )
        ]
    if op.kind == "data":
        return _irreversible(op, "data change; the previous values are not kept")
    return _irreversible(op, "exact SQL with no derivable inverse")


@reverse.register
def _(op: o.ManualTodo, schema: SchemaModel) -> list[o.Op]:
    return _irreversible(op, "manual code: port its downgrade by hand with its upgrade")


@reverse.register
def _(op: o.Irreversible, schema: SchemaModel) -> list[o.Op]:
    return []


@reverse.register
def _(op: o.RewriteTable, schema: SchemaModel) -> list[o.Op]:
    """Rebuild the table as it was, copying back the columns both versions share."""
    old = schema.table(op.table)
    if old is None:
        return _irreversible(op, f"table {op.table} was not known before its rebuild")
    recreated = _recreate_table(old, schema, op.origin)
    if isinstance(recreated[0], o.Irreversible):
        return recreated
    temp = f"_l2a_{op.table}_old"
    shared = [c.name for c in op.new_table.columns if c.name in old.columns]
    cols = ", ".join(quote_ident(c, schema.dialect) for c in shared)
    copy_sql = (
        f"INSERT INTO {quote_ident(temp, schema.dialect)} ({cols}) "
        f"SELECT {cols} FROM {quote_ident(op.table, schema.dialect)}"
    )
    create = replace(old.as_create(op.origin), table=temp)
    steps: tuple[o.Op, ...] = (
        create,
        o.ExecuteSQL(copy_sql, kind="data", tables=(temp, op.table), origin=op.origin),
        o.DropTable(op.table, schema=old.schema, origin=op.origin),
        o.RenameTable(temp, op.table, schema=old.schema, origin=op.origin),
    )
    rewrite = o.RewriteTable(
        op.table, temp, replace(create, table=op.table), steps, origin=op.origin
    )
    return [rewrite, *recreated[1:]]
