"""The intermediate representation: one small frozen dataclass per schema or data change.

Ops know nothing about text output (see `render`) or databases. Every op keeps its `origin`.
Values are plain Python data; SQL fragments (defaults, CHECK bodies, index expressions, WHERE
clauses) are kept as exact SQL text in the source dialect.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from converter.core.diagnostics import Origin

Literal = str | int | float | bool | None

# How a legacy source made a statement apply only when needed: "sql" (IF [NOT] EXISTS) or "script"
# (a column check, try/except "already exists").
Guard = typing.Literal["sql", "script"]
# Exact SQL that changes rows (INSERT/UPDATE/DELETE...) or the schema (views, functions, DO blocks).
SqlKind = typing.Literal["schema", "data"]
ConstraintKind = typing.Literal["primary", "foreignkey", "unique", "check"]
# GENERATED ALWAYS / BY DEFAULT AS IDENTITY.
IdentityKind = typing.Literal["always", "by default"]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A SQLAlchemy type, as it will be written in a revision: `{module}.{name}(*args, **kwargs)`.

    module is "sa" for generic types, or a dialect module ("postgresql", "mysql", "sqlite").
    `sql` is the type as the legacy source spelled it, for messages.
    """

    name: str
    module: str = "sa"
    args: tuple[Literal, ...] = ()
    kwargs: tuple[tuple[str, Literal], ...] = ()
    sql: str = ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TypeSpec):
            return NotImplemented
        return (self.name, self.module, self.args, self.kwargs) == (
            other.name,
            other.module,
            other.args,
            other.kwargs,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.module, self.args, self.kwargs))


@dataclass(frozen=True, slots=True)
class ColumnDef:
    name: str
    type: TypeSpec | None  # None: unknown (the sources never said)
    nullable: bool = True
    server_default: str | None = None  # exact SQL of the default expression
    primary_key: bool = False
    # SERIAL, AUTO_INCREMENT, AUTOINCREMENT: True; None: as SQLAlchemy decides (the models).
    autoincrement: bool | None = None
    identity: IdentityKind | None = None  # GENERATED ... AS IDENTITY
    comment: str | None = None


# ---- constraints -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str | None = None
    ondelete: str | None = None
    onupdate: str | None = None
    deferrable: bool | None = None
    initially: str | None = None
    ref_schema: str | None = None


@dataclass(frozen=True, slots=True)
class Unique:
    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    sqltext: str
    name: str | None = None


Constraint = PrimaryKey | ForeignKey | Unique | Check


@dataclass(frozen=True, slots=True)
class IndexElement:
    """A column name, or (expression=True) exact SQL of an index expression."""

    text: str
    expression: bool = False


# ---- ops -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Op:
    origin: Origin = field(default=Origin(""), kw_only=True)
    # plan leaves out a guarded op the schema model shows to be a no-op at that point.
    guard: Guard | None = field(default=None, kw_only=True)
    # The exact legacy statement, kept where the op may have to run as it was written.
    statement: str | None = field(default=None, kw_only=True)
    # Render `statement` instead of the op call: Alembic cannot express the op faithfully here (a
    # SQLite ADD COLUMN with unnamed constraints), or only the database can tell whether an
    # IF [NOT] EXISTS statement applies. The op still describes the change to the schema model.
    exact: bool = field(default=False, kw_only=True)
    # A comment the revision carries next to the op (from the legacy statement's `note`).
    note: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True, slots=True)
class CreateTable(Op):
    table: str
    columns: tuple[ColumnDef, ...]
    constraints: tuple[Constraint, ...] = ()
    schema: str | None = None
    # SQLAlchemy dialect options the source states, for op.create_table(**kw): mysql_engine,
    # mysql_charset, mysql_collate, sqlite_autoincrement (the AUTOINCREMENT keyword), ...
    dialect_kwargs: tuple[tuple[str, Literal], ...] = ()


@dataclass(frozen=True, slots=True)
class DropTable(Op):
    table: str
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class RenameTable(Op):
    old: str
    new: str
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Where MySQL puts a column (ADD / MODIFY / CHANGE ... FIRST | AFTER x): after the column
    `after`, or first when `after` is None."""

    after: str | None = None


@dataclass(frozen=True, slots=True)
class AddColumn(Op):
    table: str
    column: ColumnDef
    # Constraints declared inline with the new column (REFERENCES, UNIQUE, CHECK).
    constraints: tuple[Constraint, ...] = ()
    schema: str | None = None
    position: Position | None = None  # MySQL FIRST / AFTER x (then the op runs as written)


@dataclass(frozen=True, slots=True)
class DropColumn(Op):
    table: str
    column: str
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class RenameColumn(Op):
    table: str
    old: str
    new: str
    schema: str | None = None
    existing: ColumnDef | None = None  # filled by plan from the schema model (MySQL needs it)


class Unset:
    """Marks an AlterColumn attribute the statement does not change."""

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"  # unpickles as the module's one instance: it is compared with `is`


UNSET = Unset()


@dataclass(frozen=True, slots=True)
class AlterColumn(Op):
    """Change type / nullability / server default / identity of one column. Attributes left
    UNSET are kept."""

    table: str
    column: str
    type: TypeSpec | Unset = UNSET
    nullable: bool | Unset = UNSET
    server_default: str | None | Unset = UNSET  # None: DROP DEFAULT
    identity: IdentityKind | None | Unset = UNSET  # None: DROP IDENTITY
    comment: str | None | Unset = UNSET  # None: no comment (MySQL MODIFY without COMMENT)
    using: str | None = None  # PostgreSQL USING expression, exact SQL
    schema: str | None = None
    existing: ColumnDef | None = None  # the column before the change, filled by plan


@dataclass(frozen=True, slots=True)
class RestateColumn(Op):
    """MySQL ALTER TABLE t MODIFY c ... / CHANGE old new ...: the whole column stated again
    (name, type, nullability, default, comment, AUTO_INCREMENT), and moved when `position`
    says so. Used where alter_column cannot state what the statement says (COMMENT, ON UPDATE,
    CHARACTER SET, COLLATE, FIRST / AFTER, AUTO_INCREMENT): the legacy statement runs as
    written (`exact`), and the schema model learns `column`. A downgrade's RestateColumn has
    no statement: it is written from the column the schema model had before."""

    table: str
    old: str  # the column's name before the statement (CHANGE renames it to column.name)
    column: ColumnDef
    position: Position | None = None
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class ConvertCharset(Op):
    """MySQL ALTER TABLE t CONVERT TO CHARACTER SET cs [COLLATE co]: the table's default and
    every text column take the new character set. Alembic has no op for it; the schema model
    keeps the table's character set, so the downgrade converts back."""

    table: str
    charset: str
    collation: str | None = None
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class CreateIndex(Op):
    name: str
    table: str
    elements: tuple[IndexElement, ...]
    unique: bool = False
    where: str | None = None  # partial index predicate, exact SQL
    method: str | None = None  # USING gin / gist / hash ...
    concurrently: bool = False  # must run outside a transaction
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class DropIndex(Op):
    name: str
    table: str | None = None  # filled by plan from the schema model when the SQL omits it
    concurrently: bool = False
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class AddConstraint(Op):
    table: str
    constraint: Constraint
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class DropConstraint(Op):
    table: str
    name: str
    kind: ConstraintKind | None = None  # None: look it up
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class CreateEnum(Op):
    """PostgreSQL CREATE TYPE name AS ENUM (...)."""

    name: str
    values: tuple[str, ...]
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class DropEnum(Op):
    name: str
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """An object made by exact SQL, as the schema model tracks it by name.

    kind: VIEW, TRIGGER, FUNCTION, PROCEDURE, SEQUENCE, EXTENSION, SCHEMA, DOMAIN, TYPE, or
    COMMENT (name: what is commented, "COLUMN t.c"). `table`: the table a PostgreSQL trigger
    belongs to (its name is unique per table there). Not part of the key: `values`, the labels
    of an enum type a DO block creates; `owner`, the table the object dies with (a trigger, a
    comment on a table or column).
    """

    kind: str
    name: str
    table: str | None = None
    values: tuple[str, ...] = field(default=(), compare=False)
    owner: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ExecuteSQL(Op):
    """Exact SQL with no Alembic operation that fits.

    kind: "data" (INSERT/UPDATE/DELETE...), "schema" (views, functions, triggers, extensions,
    comments, DO blocks...). `reverse_sql` is the derived downgrade when one exists.
    `autocommit`: cannot run inside a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD
    VALUE on old servers, VACUUM).
    `tables`: tables the statement is known to touch (for reports and stamp's presence check).
    `creates` / `drops`: the objects it makes or removes, so that the schema model keeps them
    with the SQL that made them (a later DROP is reversed by running that SQL again).
    """

    sql: str
    kind: SqlKind = "schema"
    reverse_sql: str | None = None
    autocommit: bool = False
    tables: tuple[str, ...] = ()
    creates: tuple[ObjectRef, ...] = ()
    drops: tuple[ObjectRef, ...] = ()
    renamed: tuple[ObjectRef, str] | None = None  # (object, its new name): ALTER INDEX RENAME


@dataclass(frozen=True, slots=True)
class RewriteTable(Op):
    """The SQLite rebuild sequence recognised as one change of table `table`:
    CREATE TABLE tmp (...); INSERT INTO tmp SELECT ... FROM table; DROP TABLE table;
    ALTER TABLE tmp RENAME TO table. `steps` keep the legacy statements exactly, in order."""

    table: str
    temp_table: str
    new_table: CreateTable
    steps: tuple[Op, ...]
    # What the copy statement says of the old table: (new column, old column it reads, copied
    # unchanged?). Lets the baseline infer the old definition when nothing else states it.
    copied: tuple[tuple[str, str, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class DeclaredColumn:
    """A column of a model class a legacy script defines, as its `Column(...)` call says it:
    the SQLAlchemy type by name with literal arguments, the foreign key target (`users.id`),
    and the DDL keywords (primary_key, nullable, unique, index, autoincrement, comment, and
    server_default: a string literal, or `server_default_sql` for `text(...)`)."""

    name: str
    type: str
    type_args: tuple[Literal, ...] = ()
    type_kwargs: tuple[tuple[str, Literal], ...] = ()
    foreign_key: str | None = None
    foreign_key_kwargs: tuple[tuple[str, Literal], ...] = ()
    options: tuple[tuple[str, Literal], ...] = ()


@dataclass(frozen=True, slots=True)
class DeclaredTable:
    """The table of a model class defined in a legacy script, fully known from its body."""

    name: str
    columns: tuple[DeclaredColumn, ...]


@dataclass(frozen=True, slots=True)
class CreateTablesFromModels(Op):
    """`db.create_all()` / `X.__table__.create()` inside a legacy script; plan resolves it to
    CreateTable ops for the tables the script really introduced. `declared`: the tables of the
    model classes the script defines itself, when their bodies say everything."""

    call: str
    tables: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    declared: tuple[DeclaredTable, ...] = ()


@dataclass(frozen=True, slots=True)
class ManualTodo(Op):
    """Python code that could not be converted; rendered as a clearly marked TODO comment."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Irreversible(Op):
    """A downgrade step that cannot be derived; rendered as a commented no-op explaining why."""

    reason: str
