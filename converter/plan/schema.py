"""The schema model: what the database looks like after each op.

Ops apply to it (forward replay), un-apply from it (walking back from the reference to the
baseline), and are reversed against it (a downgrade needs the state the op applied to).
Attributes the sources never stated are `None` (unknown) rather than guessed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from functools import singledispatch

from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.plan import mysql_keys


@dataclass
class TableModel:
    name: str
    columns: dict[str, o.ColumnDef] = field(default_factory=dict)
    constraints: list[o.Constraint] = field(default_factory=list)
    schema: str | None = None
    known: bool = True  # False: the table exists but its definition never appeared in a source
    inferred_from: o.Origin | None = None  # set when the definition is inferred (see unapply)
    # PostgreSQL: the sequence each serial column owns (named when the table was created, it
    # keeps its name through renames), whether or not the column's default still uses it.
    sequences: dict[str, str] = field(default_factory=dict)
    # Table options that change what the database builds (mysql_engine, mysql_charset...).
    options: tuple[tuple[str, o.Literal], ...] = ()

    def serial(self, column: o.ColumnDef) -> str | None:
        """`nextval(...)` of the column's own sequence when that is its default (a serial)."""
        sequence = self.sequences.get(column.name)
        if sequence is None or column.autoincrement is False or column.server_default:
            return None
        return serial_default(sequence, self.schema)

    def primary_key(self) -> o.PrimaryKey | None:
        return next((c for c in self.constraints if isinstance(c, o.PrimaryKey)), None)

    def as_create(self, origin: o.Origin) -> o.CreateTable:
        return o.CreateTable(
            self.name,
            tuple(self.columns.values()),
            tuple(self.constraints),
            schema=self.schema,
            dialect_kwargs=self.options,
            origin=origin,
        )


@dataclass
class SchemaModel:
    tables: dict[str, TableModel] = field(default_factory=dict)
    indexes: dict[str, o.CreateIndex] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    # Views, triggers, functions, sequences, extensions, comments... made by exact SQL, with the
    # statement that made them (None: it exists, but how it was made is not known).
    objects: dict[o.ObjectRef, o.ExecuteSQL | None] = field(default_factory=dict)
    dialect: Dialect = Dialect.SQLITE
    # Table and index names the forward replay removed: known to be absent, reference or not.
    removed: set[str] = field(default_factory=set)
    # MySQL: the indexes InnoDB made itself for a foreign key, (table, name) -> columns.
    implicit: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_mysql(self) -> bool:
        return self.dialect == "mysql"

    # Column attributes whose value here is a guess, not what a source said: (table, column,
    # attribute), the attribute as stamp compares it (type, nullable, default, identity).
    guessed: set[tuple[str, str, str]] = field(default_factory=set)

    def copy(self) -> SchemaModel:
        return copy.deepcopy(self)

    def table(self, name: str) -> TableModel | None:
        return self.tables.get(name)

    def ensure_table(self, name: str, schema: str | None = None) -> TableModel:
        """The table, or a placeholder for one the sources never defined (created by create_all)."""
        if name not in self.tables:
            self.tables[name] = TableModel(name, schema=schema, known=False)
        return self.tables[name]

    def indexes_of(self, table: str) -> list[o.CreateIndex]:
        return [ix for ix in self.indexes.values() if ix.table == table]

    def unknowns(self) -> list[str]:
        """Readable list of attributes the sources never stated."""
        found: list[str] = []
        for t in self.tables.values():
            if not t.known and not t.columns:
                found.append(f"table {t.name}: definition unknown")
            found += [
                f"table {t.name}: type of column {c.name} unknown"
                for c in t.columns.values()
                if c.type is None
            ]
        found += [
            f"index {n}: definition unknown" for n, ix in self.indexes.items() if not ix.elements
        ]
        found += [f"enum {n}: values unknown" for n, v in self.enums.items() if v is None]
        return found

    def forget_guesses(self, table: str, column: str | None = None) -> None:
        """The table (or one column) is gone or redefined: its guesses with it."""
        self.guessed = {
            g for g in self.guessed if g[0] != table or (column is not None and g[1] != column)
        }

    def apply(self, op: o.Op) -> None:
        apply(op, self)

    def unapply(self, op: o.Op) -> None:
        if op.guard and isinstance(op, _DROPS):
            return  # DROP ... IF EXISTS says nothing of whether it existed: conjure nothing
        unapply(op, self)

    def reverse(self, op: o.Op) -> list[o.Op]:
        return reverse(op, self)


# ---- helpers ---------------------------------------------------------------------------------

_DROPS = (o.DropTable, o.DropColumn, o.DropIndex, o.DropConstraint, o.DropEnum)


def quote_ident(name: str, dialect: Dialect) -> str:
    """Quote an identifier for exact SQL written by this tool (reverse rewrites)."""
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


_INTEGERS = frozenset({"Integer", "BigInteger", "SmallInteger"})
_NAME_LENGTH = 63  # PostgreSQL's NAMEDATALEN - 1
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*")


def serial_default(sequence: str, schema: str | None = None) -> str:
    """The default PostgreSQL gives a serial column, as pg_get_expr prints it."""
    name = ".".join(
        n if _PLAIN_NAME.fullmatch(n) else quote_ident(n, Dialect.POSTGRES)
        for n in (*([schema] if schema else []), sequence)
    )
    return "nextval('" + name.replace("'", "''") + "'::regclass)"


def serial_sequence(table: str, column: str) -> str:
    """The name PostgreSQL gives a serial column's sequence: table_column_seq, the longer of
    the two names cut until it fits."""
    room = _NAME_LENGTH - len("_seq") - 1
    while len(table) + len(column) > room:
        if len(table) > len(column):
            table = table[:-1]
        else:
            column = column[:-1]
    return f"{table}_{column}_seq"


def _is_serial(col: o.ColumnDef, key: tuple[str, ...]) -> bool:
    """A PostgreSQL column made with a sequence of its own: SERIAL, or what SQLAlchemy makes of
    the models' single integer primary key."""
    if col.type is None or col.type.name not in _INTEGERS or col.identity is not None:
        return False
    automatic = col.autoincrement is None and key == (col.name,) and col.server_default is None
    return col.autoincrement is True or automatic


def _constraint_columns(c: o.Constraint) -> tuple[str, ...]:
    return () if isinstance(c, o.Check) else c.columns


def _uses_column(ix: o.CreateIndex, column: str) -> bool:
    return any(not e.expression and e.text == column for e in ix.elements)


def _rename_in(names: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if n == old else n for n in names)


def _rename_column_refs(schema: SchemaModel, table: str, old: str, new: str) -> None:
    t = schema.tables[table]
    t.columns = {
        (new if k == old else k): (replace(c, name=new) if k == old else c)
        for k, c in t.columns.items()
    }
    t.sequences = {(new if k == old else k): seq for k, seq in t.sequences.items()}
    schema.guessed = {(g[0], new, g[2]) if g[:2] == (table, old) else g for g in schema.guessed}
    t.constraints = [_rename_constraint_column(c, old, new) for c in t.constraints]
    for name, ix in list(schema.indexes.items()):
        if ix.table == table:
            elements = tuple(
                replace(e, text=new) if not e.expression and e.text == old else e
                for e in ix.elements
            )
            schema.indexes[name] = replace(ix, elements=elements)
    for other in schema.tables.values():
        other.constraints = [
            replace(c, ref_columns=_rename_in(c.ref_columns, old, new))
            if isinstance(c, o.ForeignKey) and c.ref_table == table
            else c
            for c in other.constraints
        ]


def _rename_constraint_column(c: o.Constraint, old: str, new: str) -> o.Constraint:
    if isinstance(c, o.Check):
        return c
    return replace(c, columns=_rename_in(c.columns, old, new))


def _rename_table_refs(schema: SchemaModel, old: str, new: str) -> None:
    t = schema.tables.pop(old)
    t.name = new
    schema.tables[new] = t
    schema.guessed = {(new, *g[1:]) if g[0] == old else g for g in schema.guessed}
    for name, ix in list(schema.indexes.items()):
        if ix.table == old:
            schema.indexes[name] = replace(ix, table=new)
    for other in schema.tables.values():
        other.constraints = [
            replace(c, ref_table=new) if isinstance(c, o.ForeignKey) and c.ref_table == old else c
            for c in other.constraints
        ]


def _drop_table(schema: SchemaModel, name: str) -> None:
    schema.tables.pop(name, None)
    mysql_keys.forget_table(schema, name)
    schema.forget_guesses(name)
    for ix_name in [n for n, ix in schema.indexes.items() if ix.table == name]:
        del schema.indexes[ix_name]
    for ref in owned_objects(schema, name):
        del schema.objects[ref]


def owned_objects(schema: SchemaModel, table: str) -> list[o.ObjectRef]:
    """The objects that die with `table` (its triggers, its comments), in creation order."""
    return [ref for ref in schema.objects if ref.owner == table]


def _rename_owner(schema: SchemaModel, old: str, new: str) -> None:
    """Objects of a renamed table follow it; the SQL that made them names the old table, so how
    to make them again is no longer known."""
    schema.objects = {
        (_moved(ref, old, new) if ref.owner == old else ref): (None if ref.owner == old else made)
        for ref, made in schema.objects.items()
    }


def _moved(ref: o.ObjectRef, old: str, new: str) -> o.ObjectRef:
    return replace(ref, owner=new, table=new if ref.table == old else ref.table)


def _rename_object(schema: SchemaModel, ref: o.ObjectRef, new: str) -> None:
    """ALTER INDEX ... RENAME / ALTER TABLE ... RENAME CONSTRAINT, on the model."""
    if ref.kind == "INDEX" and ref.name in schema.indexes:
        schema.indexes[new] = replace(schema.indexes.pop(ref.name), name=new)
        schema.removed.add(ref.name)
        schema.removed.discard(new)
    elif ref.kind == "CONSTRAINT" and ref.table in schema.tables:
        t = schema.tables[ref.table]
        t.constraints = [replace(c, name=new) if c.name == ref.name else c for c in t.constraints]


def _add_table(schema: SchemaModel, op: o.CreateTable) -> None:
    columns = {c.name: c for c in op.columns}
    constraints = list(op.constraints)
    pk_cols = tuple(c.name for c in op.columns if c.primary_key)
    if pk_cols and not any(isinstance(c, o.PrimaryKey) for c in constraints):
        constraints.insert(0, o.PrimaryKey(pk_cols))
    table = TableModel(op.table, columns, constraints, op.schema, options=op.dialect_kwargs)
    key = table.primary_key()
    if schema.dialect == Dialect.POSTGRES:
        table.sequences = {
            c.name: serial_sequence(op.table, c.name)
            for c in op.columns
            if _is_serial(c, key.columns if key else ())
        }
    schema.tables[op.table] = table
    if schema.is_mysql:
        mysql_keys.settle_created_table(schema, table)


def _drop_column(schema: SchemaModel, table: str, column: str) -> None:
    t = schema.ensure_table(table)
    t.columns.pop(column, None)
    t.sequences.pop(column, None)
    schema.forget_guesses(table, column)
    t.constraints = [c for c in t.constraints if column not in _constraint_columns(c)]
    mysql_keys.forget_table(schema, table, column)
    for name in [
        n for n, ix in schema.indexes.items() if ix.table == table and _uses_column(ix, column)
    ]:
        del schema.indexes[name]


def _find_constraint(t: TableModel, name: str) -> o.Constraint | None:
    return next((c for c in t.constraints if c.name == name), None)


# ---- apply -----------------------------------------------------------------------------------


@singledispatch
def apply(op: o.Op, schema: SchemaModel) -> None:
    """Ops with no schema effect the model tracks (data, exact SQL, TODOs)."""


@apply.register
def _(op: o.CreateTable, schema: SchemaModel) -> None:
    _add_table(schema, op)
    schema.removed.discard(op.table)


@apply.register
def _(op: o.DropTable, schema: SchemaModel) -> None:
    schema.removed.update(n for n, ix in schema.indexes.items() if ix.table == op.table)
    _drop_table(schema, op.table)
    schema.removed.add(op.table)


@apply.register
def _(op: o.RenameTable, schema: SchemaModel) -> None:
    if op.old in schema.tables:
        _rename_table_refs(schema, op.old, op.new)
        _rename_owner(schema, op.old, op.new)
        if schema.is_mysql:
            mysql_keys.table_renamed(schema, op.old, op.new)
        schema.removed.add(op.old)
        schema.removed.discard(op.new)


@apply.register
def _(op: o.AddColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    t.columns[op.column.name] = op.column
    t.constraints.extend(op.constraints)
    if op.column.primary_key:
        t.constraints.append(o.PrimaryKey((op.column.name,)))


@apply.register
def _(op: o.DropColumn, schema: SchemaModel) -> None:
    _drop_column(schema, op.table, op.column)


@apply.register
def _(op: o.RenameColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    if op.old not in t.columns:
        t.columns[op.old] = o.ColumnDef(op.old, None)
    _rename_column_refs(schema, op.table, op.old, op.new)
    mysql_keys.column_renamed(schema, op.table, op.old, op.new)


@apply.register
def _(op: o.AlterColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    col = schema_after_alter(t.columns.get(op.column) or o.ColumnDef(op.column, None), op)
    t.columns[op.column] = _settle_serial(t, col, op)
    schema.guessed -= {(op.table, op.column, a) for a in altered(op)}


def altered(op: o.AlterColumn) -> list[str]:
    """The attributes an AlterColumn sets, named as stamp compares them."""
    values = {
        "type": op.type,
        "nullable": op.nullable,
        "default": op.server_default,
        "identity": op.identity,
    }
    return [name for name, value in values.items() if not isinstance(value, o.Unset)]


def _settle_serial(t: TableModel, col: o.ColumnDef, op: o.AlterColumn) -> o.ColumnDef:
    """A serial column whose default changes is a serial no longer; set back to `nextval` of
    its own sequence, it is one again."""
    sequence = t.sequences.get(col.name)
    if sequence is None or isinstance(op.server_default, o.Unset):
        return col
    own = _same_default(op.server_default, serial_default(sequence, t.schema))
    if own:
        return replace(col, server_default=None, autoincrement=True)
    return replace(col, autoincrement=False)


def _same_default(text: str | None, serial: str) -> bool:
    """`nextval('t_id_seq')`, with or without ::regclass, as pg_get_expr prints it."""
    if text is None:
        return False
    spelled = re.sub(r"::regclass\s*\)$", ")", re.sub(r"\s+", "", text).lower())
    return spelled == serial.replace("::regclass)", ")").lower()


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
        _rename_object(schema, *op.renamed)


@apply.register
def _(op: o.RewriteTable, schema: SchemaModel) -> None:
    for step in op.steps:
        apply(step, schema)


# ---- unapply (walk back from a later state) --------------------------------------------------


@singledispatch
def unapply(op: o.Op, schema: SchemaModel) -> None:
    """Ops with no tracked schema effect leave the model as it is."""


@unapply.register
def _(op: o.CreateTable, schema: SchemaModel) -> None:
    _drop_table(schema, op.table)


@unapply.register
def _(op: o.DropTable, schema: SchemaModel) -> None:
    schema.ensure_table(op.table, op.schema)


@unapply.register
def _(op: o.RenameTable, schema: SchemaModel) -> None:
    if op.new in schema.tables:
        _rename_table_refs(schema, op.new, op.old)


@unapply.register
def _(op: o.AddColumn, schema: SchemaModel) -> None:
    if op.table in schema.tables:
        _drop_column(schema, op.table, op.column.name)


@unapply.register
def _(op: o.DropColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    t.columns.setdefault(op.column, o.ColumnDef(op.column, None))


@unapply.register
def _(op: o.RenameColumn, schema: SchemaModel) -> None:
    t = schema.ensure_table(op.table, op.schema)
    if op.new not in t.columns:
        t.columns[op.new] = o.ColumnDef(op.new, None)
    _rename_column_refs(schema, op.table, op.new, op.old)


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
    t.columns[op.column] = col
    schema.guessed |= {(op.table, op.column, a) for a in altered(op) if a != "type"}


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
        _rename_object(schema, replace(ref, name=new), ref.name)


@unapply.register
def _(op: o.CreateTablesFromModels, schema: SchemaModel) -> None:
    for table in op.tables:
        _drop_table(schema, table)


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
        if set(_constraint_columns(c)) <= set(renamed)
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


@singledispatch
def reverse(op: o.Op, schema: SchemaModel) -> list[o.Op]:
    return _irreversible(op, f"no downgrade is known for {type(op).__name__}")


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
        if _uses_column(ix, op.column)
    ]
    restored += [
        o.AddConstraint(op.table, c, schema=op.schema, origin=op.origin)
        for c in t.constraints
        if op.column in _constraint_columns(c) and c.name
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
    if all(isinstance(value, o.Unset) for value in (type_, nullable, default, identity)):
        return notes
    assert t is not None  # `before` came from it
    after = _settle_serial(t, schema_after_alter(before, op), op)
    undo = o.AlterColumn(
        op.table,
        op.column,
        type_,
        nullable,
        default,
        identity=identity,
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


def schema_after_alter(before: o.ColumnDef, op: o.AlterColumn) -> o.ColumnDef:
    """The column as an AlterColumn leaves it."""
    col = before
    if not isinstance(op.type, o.Unset):
        col = replace(col, type=op.type)
    if not isinstance(op.nullable, o.Unset):
        col = replace(col, nullable=op.nullable)
    if not isinstance(op.server_default, o.Unset):
        col = replace(col, server_default=op.server_default)
    if not isinstance(op.identity, o.Unset):
        col = replace(col, identity=op.identity)
    return col


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
    found = _find_constraint(t, op.name) if t else None
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


def owning_column(schema: SchemaModel, ref: o.ObjectRef) -> tuple[TableModel, str] | None:
    """The table and serial column that own sequence `ref`, if one does."""
    if ref.kind != "SEQUENCE":
        return None
    for t in schema.tables.values():
        for column, sequence in t.sequences.items():
            if ref.name in (sequence, f"{t.schema}.{sequence}"):
                return t, column
    return None


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
