"""The snapshot's data types: a normalized, hashable description of one schema.

Equality is what stamp and verify compare, so each type leaves out of `==` what the database may
spell or order differently (column order, generated names), while keeping it for display. Texts
(defaults, CHECK expressions, view and trigger bodies) are already normalised by the reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

IGNORED_TABLES = frozenset({"alembic_version"})
# The kinds of object a models module (SQLAlchemy MetaData) cannot describe.
NOT_IN_MODELS = frozenset({"view", "trigger", "function"})


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    primary_key: bool = False
    default: str | None = None
    identity: str | None = None
    comment: str | None = None

    def describe(self) -> str:
        return f"{self.type or '(no type)'} {'NULL' if self.nullable else 'NOT NULL'}"


@dataclass(frozen=True)
class Index:
    """An index; `elements` are column names or expression text, with DESC / NULLS suffixes."""

    name: str
    elements: tuple[str, ...]
    unique: bool = False
    where: str | None = None

    def describe(self) -> str:
        text = ("UNIQUE " if self.unique else "") + f"({', '.join(self.elements)})"
        return f"{text} WHERE {self.where}" if self.where else text


@dataclass(frozen=True)
class UniqueConstraint:
    """`declared_name` is the name unless the database generated it; only it is compared."""

    columns: tuple[str, ...]
    declared_name: str | None = None
    name: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        cols = f"({', '.join(self.columns)})"
        return f"{self.declared_name} {cols}" if self.declared_name else cols


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint: its normalised expression, and its name unless the database made it."""

    expression: str
    declared_name: str | None = None
    name: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """What pairs two versions of one constraint: the declared name, else the expression."""
        return self.declared_name or self.expression

    def describe(self) -> str:
        return f"CHECK ({self.expression})"


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    referred_schema: str | None = None
    ondelete: str | None = None
    onupdate: str | None = None
    name: str | None = field(default=None, compare=False)

    @property
    def target(self) -> tuple[Any, ...]:
        return (self.columns, self.referred_schema, self.referred_table, self.referred_columns)

    def describe(self) -> str:
        table = (
            f"{self.referred_schema}.{self.referred_table}"
            if self.referred_schema
            else (self.referred_table)
        )
        return f"({', '.join(self.columns)}) -> {table}({', '.join(self.referred_columns)})"

    def describe_actions(self) -> str:
        actions = [f"ON DELETE {self.ondelete}"] if self.ondelete else []
        actions += [f"ON UPDATE {self.onupdate}"] if self.onupdate else []
        return " ".join(actions) or "NO ACTION"


@dataclass(frozen=True)
class EnumType:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class View:
    """A view (or materialized view) and its normalised SELECT."""

    name: str
    definition: str


@dataclass(frozen=True)
class Trigger:
    """A trigger on `table`: when it fires (BEFORE / AFTER / INSTEAD OF, and on what event) and
    its normalised body (SQLite: its statements; PostgreSQL: the rest of its definition)."""

    name: str
    table: str
    timing: str
    event: str
    body: str

    def describe(self) -> str:
        return f"{self.timing} {self.event} {self.body}"


@dataclass(frozen=True)
class Sequence:
    name: str


@dataclass(frozen=True)
class Function:
    """A function or procedure, by name and argument types (overloads are different objects)."""

    name: str
    arguments: str = ""

    @property
    def signature(self) -> str:
        return f"{self.name}({self.arguments})"


@dataclass(frozen=True)
class Table:
    """One table, named `schema.table` outside the default schema. `columns` keep the database
    order, but equality ignores the order."""

    name: str
    columns: tuple[Column, ...] = field(compare=False)
    primary_key: tuple[str, ...] = ()
    indexes: frozenset[Index] = frozenset()
    unique_constraints: frozenset[UniqueConstraint] = frozenset()
    foreign_keys: frozenset[ForeignKey] = frozenset()
    checks: frozenset[CheckConstraint] = frozenset()
    comment: str | None = None
    charset: str | None = None  # MySQL: the table's character set and collation
    column_set: frozenset[Column] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_set", frozenset(self.columns))
        object.__setattr__(self, "primary_key", tuple(self.primary_key))
        for name in ("indexes", "unique_constraints", "foreign_keys", "checks"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))

    @cached_property
    def column_map(self) -> Mapping[str, Column]:
        return {c.name: c for c in self.columns}


@dataclass(frozen=True)
class Snapshot:
    """Tables (without alembic_version) and the schema's other objects, each sorted by name.

    `unmodelled`: kinds of object this snapshot cannot describe (a reference built from models
    has no views, triggers or functions); a diff does not report them.
    """

    tables: tuple[Table, ...] = ()
    enums: tuple[EnumType, ...] = ()
    views: tuple[View, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    functions: tuple[Function, ...] = ()
    dialect: str = field(default="", compare=False)
    unmodelled: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        for kind in ("tables", "enums", "views", "sequences"):
            items = getattr(self, kind)
            object.__setattr__(self, kind, tuple(sorted(items, key=lambda o: o.name)))
        object.__setattr__(
            self, "triggers", tuple(sorted(self.triggers, key=lambda t: (t.table, t.name)))
        )
        object.__setattr__(
            self, "functions", tuple(sorted(self.functions, key=lambda f: f.signature))
        )

    @property
    def objects(self) -> tuple[tuple[Any, ...], ...]:
        """Everything but the tables, as one hashable value."""
        return self.enums, self.views, self.triggers, self.sequences, self.functions

    @cached_property
    def table_map(self) -> Mapping[str, Table]:
        return {t.name: t for t in self.tables}

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def table(self, name: str) -> Table | None:
        return self.table_map.get(name)

    @property
    def enum_values(self) -> Mapping[str, tuple[str, ...]]:
        return {e.name: e.values for e in self.enums}

    @property
    def is_empty(self) -> bool:
        return not self.tables and not any(self.objects)
