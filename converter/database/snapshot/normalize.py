"""Reflection results (in the Inspector's shapes) normalized into snapshot tables.

Both sides of a comparison are always read from a real database of the same dialect (a scratch
database built by the chain or by `create_all`, and a live one), so normalisation only has to
remove what two databases of one dialect may legitimately spell differently. Comparison follows
what Alembic autogenerate compares by default:

- column order, primary-key / foreign-key names and database-generated unique and CHECK
  constraint names are kept for display but not compared;
- server defaults, CHECK expressions, index expressions and WHERE clauses are compared by their
  normalised text (see `expressions`); a column's own sequence (PostgreSQL serial) is its
  identity, not a default;
- types: the reflected type compiled for the dialect, upper-cased outside quotes, whitespace
  collapsed, no space after commas; on PostgreSQL "WITHOUT TIME ZONE" (the default) is dropped
  and a named enum is "ENUM <name>";
- a UNIQUE constraint and a unique index stay different things (as in Alembic) except where the
  database cannot tell them apart (MySQL); the index PostgreSQL creates behind a UNIQUE
  constraint, and SQLite's `sqlite_autoindex_*` indexes, are not counted as indexes;
- on SQLite a single-column INTEGER PRIMARY KEY (a rowid alias) is NOT NULL however it was
  declared, because it cannot hold NULL;
- foreign-key actions: upper-cased, NO ACTION is the same as none;
- MySQL: integer display widths are dropped (they change nothing stored) but TINYINT(1) is
  BOOLEAN; a quoted number as default is the number, `current_timestamp()` is CURRENT_TIMESTAMP;
  a column's character set shows only where it differs from its table's (as MySQL reports it),
  and the table's character set and collation are compared; the index InnoDB makes for a
  foreign key (named after the key or its first column) is not counted: the same key gets it
  under either name, depending on how it was added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import CompileError
from sqlalchemy.types import Enum, NullType

from converter.core.dialects import Dialect as Target
from converter.core.dialects import find_dialect
from converter.database.snapshot.expressions import normalize_expression
from converter.database.snapshot.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Function,
    Index,
    Sequence,
    Table,
    Trigger,
    UniqueConstraint,
    View,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.types import TypeEngine


@dataclass
class Reflected:
    """Inspector-shaped reflection results, keyed by table name; the catalog readers add CHECKs
    (`{"name", "sqltext"}`), comments and the objects that belong to no table, already read
    into the snapshot's types (their texts normalised)."""

    columns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pks: dict[str, dict[str, Any]] = field(default_factory=dict)
    indexes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    uniques: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    checks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    enums: list[dict[str, Any]] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    charsets: dict[str, str] = field(default_factory=dict)  # MySQL: table -> "cs COLLATE co"


def sqlglot_name(dialect: Dialect) -> str:
    """sqlglot's name of a SQLAlchemy dialect ("postgresql" is "postgres")."""
    found = find_dialect(dialect.name)
    return found.sqlglot if found else dialect.name


def normalized_table(
    name: str, reflected: Reflected, dialect: Dialect, schema: str | None
) -> Table:
    """Table `name` of the reflection results, normalized for comparison."""
    pk = tuple((reflected.pks.get(name) or {}).get("constrained_columns") or ())
    glot = sqlglot_name(dialect)
    columns = tuple(_column(c, pk, dialect, glot) for c in reflected.columns[name])
    foreign_keys = frozenset(_foreign_key(fk, schema) for fk in reflected.fks.get(name, ()))
    indexes = frozenset(_indexes(reflected.indexes.get(name, ()), glot))
    if find_dialect(dialect.name) is Target.MYSQL:
        indexes = frozenset(ix for ix in indexes if not _made_for_key(ix, foreign_keys))
    return Table(
        name=name,
        columns=columns,
        primary_key=pk,
        indexes=indexes,
        unique_constraints=frozenset(_uniques(name, reflected.uniques.get(name, ()), dialect)),
        foreign_keys=foreign_keys,
        checks=frozenset(
            _check(name, row, columns, glot) for row in reflected.checks.get(name, ())
        ),
        comment=reflected.comments.get(name),
        charset=reflected.charsets.get(name),
    )


def _made_for_key(ix: Index, keys: Iterable[ForeignKey]) -> bool:
    """MySQL: `ix` is the index InnoDB makes for one of `keys` (see the module docstring)."""
    return not ix.unique and any(
        ix.elements == key.columns
        and (ix.name == key.name or re.fullmatch(re.escape(key.columns[0]) + r"(_\d+)?", ix.name))
        for key in keys
    )


def _column(col: Mapping[str, Any], pk: tuple[str, ...], dialect: Dialect, glot: str) -> Column:
    default = col.get("default")
    return Column(
        name=col["name"],
        type=col["type_text"] if "type_text" in col else type_text(col["type"], dialect),
        nullable=bool(col["nullable"]),
        primary_key=col["name"] in pk,
        default=None if default is None else _default(str(default), dialect, glot),
        identity=col.get("identity"),
        comment=col.get("comment"),
    )


def _check(
    table: str, row: Mapping[str, Any], columns: tuple[Column, ...], glot: str
) -> CheckConstraint:
    name = row.get("name")
    column_names = [c.name for c in columns]
    generated = name is None or is_generated_check_name(glot, table, column_names, name)
    expression = normalize_expression(str(row["sqltext"]), glot)
    return CheckConstraint(expression, None if generated else name, name)


def _default(text: str, dialect: Dialect, glot: str) -> str:
    """A server default's normalised text; MySQL spells `current_timestamp()` and quotes
    numbers in its catalog where the DDL did not."""
    if find_dialect(dialect.name) is Target.MYSQL:
        text = re.sub(r"(?i)\bcurrent_timestamp\(\)", "CURRENT_TIMESTAMP", text)
        number = re.fullmatch(r"'(-?\d+(?:\.\d+)?)'", text)
        text = number.group(1) if number else text
    return normalize_expression(text, glot)


_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")


def type_text(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The type as the dialect writes it in DDL, normalised (see the module docstring)."""
    if isinstance(type_, NullType):
        return ""
    if isinstance(type_, Enum) and type_.name and dialect.name == "postgresql":
        return f"ENUM {type_.name}"
    try:
        text = type_.compile(dialect=dialect)
    except CompileError:
        text = type(type_).__name__
    text = normalize_type_text(text)
    return _mysql_integer(text) if find_dialect(dialect.name) is Target.MYSQL else text


_DISPLAY_WIDTH = re.compile(r"(TINYINT|SMALLINT|MEDIUMINT|INTEGER|INT|BIGINT)\((\d+)\)")


def _mysql_integer(text: str) -> str:
    """An integer type without its display width; TINYINT(1) (MySQL's boolean) is BOOLEAN."""
    if text == "TINYINT(1)":
        return "BOOLEAN"
    return _DISPLAY_WIDTH.sub(r"\1", text, count=1) if _DISPLAY_WIDTH.match(text) else text


@lru_cache(maxsize=4096)
def normalize_type_text(text: str) -> str:
    """Upper-case, collapse whitespace, no space around "(" and "," or before ")"; quoted parts
    (enum values, collation names) are left alone."""
    parts = _QUOTED.split(text)
    parts[::2] = [_normalize_unquoted(p) for p in parts[::2]]
    return "".join(parts).strip().replace(" WITHOUT TIME ZONE", "")


def _normalize_unquoted(text: str) -> str:
    text = re.sub(r"\s+", " ", text).upper()
    text = re.sub(r"\s*([(,])\s*", r"\1", text)
    return re.sub(r"\s+\)", ")", text)


def _indexes(rows: Iterable[Mapping[str, Any]], glot: str) -> Iterable[Index]:
    for row in rows:
        if row.get("duplicates_constraint"):
            continue  # PostgreSQL's index behind a UNIQUE constraint: counted as the constraint
        yield Index(
            name=row["name"],
            elements=_index_elements(row, glot),
            unique=bool(row.get("unique")),
            where=_index_where(row.get("dialect_options") or {}, glot),
        )


def _index_elements(row: Mapping[str, Any], glot: str) -> tuple[str, ...]:
    names = row.get("column_names") or []
    expressions = row.get("expressions") or []
    sorting = row.get("column_sorting") or {}
    elements = []
    for i, name in enumerate(names):
        raw = name if name is not None else expressions[i]
        suffix = " ".join(s.upper().replace("_", " ") for s in sorting.get(raw, ()))
        element = raw if name is not None else normalize_expression(raw, glot)
        elements.append(f"{element} {suffix}" if suffix else element)
    return tuple(elements)


def _index_where(options: Mapping[str, Any], glot: str) -> str | None:
    for key in ("postgresql_where", "sqlite_where"):
        if options.get(key) is not None:
            return normalize_expression(str(options[key]), glot)
    return None


def squash(text: str) -> str:
    """`text` with each run of whitespace made one space, stripped."""
    return re.sub(r"\s+", " ", text).strip()


def _uniques(
    table: str, rows: Iterable[Mapping[str, Any]], dialect: Dialect
) -> Iterable[UniqueConstraint]:
    for row in rows:
        if row.get("duplicates_index"):
            continue  # MySQL: a UNIQUE constraint *is* its unique index, counted as the index
        columns = tuple(row["column_names"])
        name = row.get("name")
        generated = name is None or is_generated_unique_name(dialect.name, table, columns, name)
        yield UniqueConstraint(columns, None if generated else name, name)


def is_generated_unique_name(dialect: str, table: str, columns: tuple[str, ...], name: str) -> bool:
    """Whether `name` is the one the database gives an unnamed UNIQUE constraint."""
    if dialect == "postgresql":
        match = re.fullmatch(r"(.*)_key(\d*)", name)
        return match is not None and name == _pg_object_name(
            table, "_".join(columns), "key" + match.group(2)
        )
    if find_dialect(dialect) is Target.MYSQL and columns:
        return re.fullmatch(re.escape(columns[0]) + r"(_\d+)?", name) is not None
    return False


def is_generated_check_name(dialect: str, table: str, columns: list[str], name: str) -> bool:
    """Whether `name` is one the database gives an unnamed CHECK: on PostgreSQL
    `<table>[_<column>]_check[N]` (each part shortened to fit 63 characters); on MariaDB the
    column's name (a column's CHECK) or `CONSTRAINT_<N>`, on MySQL `<table>_chk_<N>`."""
    if dialect == "mysql":
        return (
            name in columns
            or re.fullmatch(r"CONSTRAINT_\d+|" + re.escape(table) + r"_chk_\d+", name) is not None
        )
    match = re.fullmatch(r".*_check(\d*)", name)
    if dialect != "postgres" or match is None:
        return False
    label = "check" + match.group(1)
    if name == _pg_object_name(table, None, label):
        return True
    return any(name == _pg_object_name(table, column, label) for column in columns)


def _pg_object_name(name1: str, name2: str | None, label: str, limit: int = 63) -> str:
    """PostgreSQL's makeObjectName(): shorten the longer part until the whole fits in 63."""
    available = limit - len(label) - (2 if name2 is not None else 1)
    n1, n2 = len(name1), len(name2 or "")
    while n1 + n2 > available:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    middle = f"_{name2[:n2]}" if name2 is not None else ""
    return f"{name1[:n1]}{middle}_{label}"


def _foreign_key(row: Mapping[str, Any], schema: str | None) -> ForeignKey:
    """A foreign key; a reference into the schema being read is written without the schema."""
    options = row.get("options") or {}
    referred_schema = row.get("referred_schema")
    return ForeignKey(
        columns=tuple(row["constrained_columns"]),
        referred_table=row["referred_table"],
        referred_columns=tuple(row["referred_columns"]),
        referred_schema=None if referred_schema == schema else referred_schema,
        ondelete=_fk_action(options.get("ondelete")),
        onupdate=_fk_action(options.get("onupdate")),
        name=row.get("name"),
    )


def _fk_action(action: str | None) -> str | None:
    action = squash(action or "").upper()
    return None if action in ("", "NO ACTION") else action
