"""The schema model: what the database looks like after each op, and the helpers that change it.

Ops apply to it and un-apply from it (`replay`), and are reversed against it (`downgrade`: a
downgrade needs the state the op applied to). Attributes the sources never stated are `None`
(unknown) rather than guessed, or listed in `guessed`.
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

    # Column attributes whose value here is a guess, not what a source said: (table, column,
    # attribute), the attribute as stamp compares it (type, nullable, default, identity).
    guessed: set[tuple[str, str, str]] = field(default_factory=set)

    @property
    def is_mysql(self) -> bool:
        return self.dialect == "mysql"

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
        """The downgrade of `op`, against this state (the one `op` applies to)."""
        return reverse(op, self)


# ---- the three dispatchers: `replay` and `downgrade` register one function per op class ----


@singledispatch
def apply(op: o.Op, schema: SchemaModel) -> None:
    """Ops with no schema effect the model tracks (data, exact SQL, TODOs)."""


@singledispatch
def unapply(op: o.Op, schema: SchemaModel) -> None:
    """Ops with no tracked schema effect leave the model as it is."""


@singledispatch
def reverse(op: o.Op, schema: SchemaModel) -> list[o.Op]:
    return [o.Irreversible(f"no downgrade is known for {type(op).__name__}", origin=op.origin)]


# ---- helpers ---------------------------------------------------------------------------------

_DROPS = (o.DropTable, o.DropColumn, o.DropIndex, o.DropConstraint, o.DropEnum)


def quote_ident(name: str, dialect: Dialect) -> str:
    """Quote an identifier for exact SQL written by this tool (reverse rewrites)."""
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


_INTEGERS = frozenset({"Integer", "BigInteger", "SmallInteger"})
_MYSQL_INTEGERS = frozenset(
    {"INTEGER", "BIGINTEGER", "SMALLINTEGER", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT"}
)
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


def constraint_columns(c: o.Constraint) -> tuple[str, ...]:
    return () if isinstance(c, o.Check) else c.columns


def uses_column(ix: o.CreateIndex, column: str) -> bool:
    return any(not e.expression and e.text == column for e in ix.elements)


def _rename_in(names: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if n == old else n for n in names)


def rename_column_refs(schema: SchemaModel, table: str, old: str, new: str) -> None:
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


def rename_table_refs(schema: SchemaModel, old: str, new: str) -> None:
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


def drop_table(schema: SchemaModel, name: str) -> None:
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


def rename_owner(schema: SchemaModel, old: str, new: str) -> None:
    """Objects of a renamed table follow it; the SQL that made them names the old table, so how
    to make them again is no longer known."""
    schema.objects = {
        (_moved(ref, old, new) if ref.owner == old else ref): (None if ref.owner == old else made)
        for ref, made in schema.objects.items()
    }


def _moved(ref: o.ObjectRef, old: str, new: str) -> o.ObjectRef:
    return replace(ref, owner=new, table=new if ref.table == old else ref.table)


def rename_object(schema: SchemaModel, ref: o.ObjectRef, new: str) -> None:
    """ALTER INDEX ... RENAME / ALTER TABLE ... RENAME CONSTRAINT, on the model."""
    if ref.kind == "INDEX" and ref.name in schema.indexes:
        schema.indexes[new] = replace(schema.indexes.pop(ref.name), name=new)
        schema.removed.add(ref.name)
        schema.removed.discard(new)
    elif ref.kind == "CONSTRAINT" and ref.table in schema.tables:
        t = schema.tables[ref.table]
        t.constraints = [replace(c, name=new) if c.name == ref.name else c for c in t.constraints]


def add_table(schema: SchemaModel, op: o.CreateTable) -> None:
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


def drop_column(schema: SchemaModel, table: str, column: str) -> None:
    t = schema.ensure_table(table)
    t.columns.pop(column, None)
    t.sequences.pop(column, None)
    schema.forget_guesses(table, column)
    t.constraints = [c for c in t.constraints if column not in constraint_columns(c)]
    mysql_keys.forget_table(schema, table, column)
    for name in [
        n for n, ix in schema.indexes.items() if ix.table == table and uses_column(ix, column)
    ]:
        del schema.indexes[name]


def find_constraint(t: TableModel, name: str) -> o.Constraint | None:
    return next((c for c in t.constraints if c.name == name), None)


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
    if not isinstance(op.comment, o.Unset):
        col = replace(col, comment=op.comment)
    return col


def restated_as_alter(op: o.RestateColumn) -> list[o.RenameColumn | o.AlterColumn]:
    """A MySQL MODIFY / CHANGE as the rename and the alter that say the same of the column
    (all but its position and AUTO_INCREMENT)."""
    col = op.column
    alter = o.AlterColumn(
        op.table,
        col.name,
        type=col.type or o.UNSET,
        nullable=col.nullable,
        server_default=col.server_default,
        comment=col.comment,
        schema=op.schema,
        origin=op.origin,
    )
    if op.old == col.name:
        return [alter]
    return [o.RenameColumn(op.table, op.old, col.name, schema=op.schema, origin=op.origin), alter]


def place_column(t: TableModel, name: str, position: o.Position | None) -> None:
    """Move column `name` FIRST or AFTER another, as MySQL does (None: where it is)."""
    if position is None or name not in t.columns or position.after == name:
        return
    moved = t.columns.pop(name)
    items = list(t.columns.items())
    at = 0 if position.after is None else _index_after(items, position.after)
    items.insert(at, (name, moved))
    t.columns = dict(items)


def _index_after(items: list[tuple[str, o.ColumnDef]], after: str) -> int:
    names = [n for n, _ in items]
    return names.index(after) + 1 if after in names else len(names)


def position_of(t: TableModel, name: str) -> o.Position:
    """Where column `name` is: after the column before it, or first."""
    names = list(t.columns)
    at = names.index(name)
    return o.Position(names[at - 1] if at else None)


def mysql_auto_increment(t: TableModel, col: o.ColumnDef) -> bool:
    """Whether MySQL gives the column AUTO_INCREMENT: said so, or left to SQLAlchemy (the
    models) on the table's one integer primary key column with no default or foreign key."""
    if col.autoincrement is not None:
        return col.autoincrement
    key = t.primary_key()
    referencing = any(isinstance(c, o.ForeignKey) and col.name in c.columns for c in t.constraints)
    return (
        key is not None
        and key.columns == (col.name,)
        and col.type is not None
        and col.type.name.upper() in _MYSQL_INTEGERS
        and col.server_default is None
        and not referencing
    )


def owning_column(schema: SchemaModel, ref: o.ObjectRef) -> tuple[TableModel, str] | None:
    """The table and serial column that own sequence `ref`, if one does."""
    if ref.kind != "SEQUENCE":
        return None
    for t in schema.tables.values():
        for column, sequence in t.sequences.items():
            if ref.name in (sequence, f"{t.schema}.{sequence}"):
                return t, column
    return None


def settle_serial(t: TableModel, col: o.ColumnDef, op: o.AlterColumn) -> o.ColumnDef:
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
