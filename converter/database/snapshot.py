"""A normalized, hashable description of a live schema, and a readable diff of two of them.

Both sides of a comparison are always read from a real database of the same dialect (a scratch
database built by the chain or by `create_all`, and a live one), so normalisation only has to
remove what two databases of one dialect may legitimately spell differently. Comparison follows
what Alembic autogenerate compares by default:

- column order, server defaults, primary-key / foreign-key names and database-generated unique
  constraint names are kept for display but not compared;
- types: the reflected type compiled for the dialect, upper-cased outside quotes, whitespace
  collapsed, no space after commas; on PostgreSQL "WITHOUT TIME ZONE" (the default) is dropped
  and a named enum is "ENUM <name>";
- a UNIQUE constraint and a unique index stay different things (as in Alembic) except where the
  database cannot tell them apart (MySQL); the index PostgreSQL creates behind a UNIQUE
  constraint, and SQLite's `sqlite_autoindex_*` indexes, are not counted as indexes;
- on SQLite a single-column INTEGER PRIMARY KEY (a rowid alias) is NOT NULL however it was
  declared, because it cannot hold NULL;
- foreign-key actions: upper-cased, NO ACTION is the same as none.

PostgreSQL and other servers are read with the Inspector's bulk `get_multi_*` calls. SQLite is
read from `sqlite_master` and the pragma table-valued functions in four queries, because the
Inspector's SQLite reflection re-reads `sqlite_master` per table and grows quadratically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import CompileError
from sqlalchemy.types import Enum, NullType

from converter.core.dialects import find_dialect
from converter.core.gc_pause import gc_paused

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect
    from sqlalchemy.types import TypeEngine

IGNORED_TABLES = frozenset({"alembic_version"})


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    primary_key: bool = False
    default: str | None = field(default=None, compare=False)

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
class Table:
    """One table. `columns` keep the database order, but equality ignores the order."""

    name: str
    columns: tuple[Column, ...] = field(compare=False)
    primary_key: tuple[str, ...] = ()
    indexes: frozenset[Index] = frozenset()
    unique_constraints: frozenset[UniqueConstraint] = frozenset()
    foreign_keys: frozenset[ForeignKey] = frozenset()
    column_set: frozenset[Column] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_set", frozenset(self.columns))
        object.__setattr__(self, "primary_key", tuple(self.primary_key))
        for name in ("indexes", "unique_constraints", "foreign_keys"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))

    @cached_property
    def column_map(self) -> Mapping[str, Column]:
        return {c.name: c for c in self.columns}


@dataclass(frozen=True)
class Snapshot:
    """Tables sorted by name (without alembic_version) and PostgreSQL enum types."""

    tables: tuple[Table, ...] = ()
    enums: tuple[EnumType, ...] = ()
    dialect: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(sorted(self.tables, key=lambda t: t.name)))
        object.__setattr__(self, "enums", tuple(sorted(self.enums, key=lambda e: e.name)))

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
        return not self.tables and not self.enums


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Reflected:
    """Inspector-shaped reflection results, keyed by table name."""

    columns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pks: dict[str, dict[str, Any]] = field(default_factory=dict)
    indexes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    uniques: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    enums: list[dict[str, Any]] = field(default_factory=list)


def read_snapshot(conn: Connection, schema: str | None = None) -> Snapshot:
    """Read the tables (and PostgreSQL enums) of `schema` on `conn`; changes nothing."""
    with gc_paused():
        return _read_snapshot(conn, schema)


def _read_snapshot(conn: Connection, schema: str | None) -> Snapshot:
    dialect = conn.dialect
    if dialect.name == "sqlite":
        reflected = _read_sqlite(conn, schema)
    else:
        reflected = _read_inspector(conn, schema)
    tables = tuple(_table(name, reflected, dialect, schema) for name in sorted(reflected.columns))
    enums = tuple(
        sorted(
            (EnumType(e["name"], tuple(e["labels"])) for e in reflected.enums), key=lambda e: e.name
        )
    )
    return Snapshot(tables, enums, dialect=_dialect_name(dialect))


def _dialect_name(dialect: Dialect) -> str:
    return find_dialect(dialect.name) or dialect.name


def _read_inspector(conn: Connection, schema: str | None) -> _Reflected:
    """Bulk reflection: one catalog query per kind of object for the whole schema."""
    from sqlalchemy import inspect

    insp = inspect(conn)

    def by_table(result: Mapping[tuple[str | None, str], Any]) -> dict[str, Any]:
        return {name: value for (_, name), value in result.items() if name not in IGNORED_TABLES}

    reflected = _Reflected(
        columns=by_table(insp.get_multi_columns(schema=schema)),
        pks=by_table(insp.get_multi_pk_constraint(schema=schema)),
        indexes=by_table(insp.get_multi_indexes(schema=schema)),
        uniques=by_table(insp.get_multi_unique_constraints(schema=schema)),
        fks=by_table(insp.get_multi_foreign_keys(schema=schema)),
    )
    if hasattr(insp, "get_enums"):
        reflected.enums = list(insp.get_enums(schema=schema))
    return reflected


# --- normalisation ---------------------------------------------------------------------------


def _table(name: str, reflected: _Reflected, dialect: Dialect, schema: str | None) -> Table:
    pk = tuple((reflected.pks.get(name) or {}).get("constrained_columns") or ())
    columns = tuple(_column(c, pk, dialect) for c in reflected.columns[name])
    return Table(
        name=name,
        columns=columns,
        primary_key=pk,
        indexes=frozenset(_indexes(reflected.indexes.get(name, ()))),
        unique_constraints=frozenset(_uniques(name, reflected.uniques.get(name, ()), dialect)),
        foreign_keys=frozenset(_foreign_key(fk, schema) for fk in reflected.fks.get(name, ())),
    )


def _column(col: Mapping[str, Any], pk: tuple[str, ...], dialect: Dialect) -> Column:
    default = col.get("default")
    return Column(
        name=col["name"],
        type=col["type_text"] if "type_text" in col else type_text(col["type"], dialect),
        nullable=bool(col["nullable"]),
        primary_key=col["name"] in pk,
        default=None if default is None else str(default),
    )


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
    return normalize_type_text(text)


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


def _indexes(rows: Iterable[Mapping[str, Any]]) -> Iterable[Index]:
    for row in rows:
        if row.get("duplicates_constraint"):
            continue  # PostgreSQL's index behind a UNIQUE constraint: counted as the constraint
        yield Index(
            name=row["name"],
            elements=_index_elements(row),
            unique=bool(row.get("unique")),
            where=_index_where(row.get("dialect_options") or {}),
        )


def _index_elements(row: Mapping[str, Any]) -> tuple[str, ...]:
    names = row.get("column_names") or []
    expressions = row.get("expressions") or []
    sorting = row.get("column_sorting") or {}
    elements = []
    for i, name in enumerate(names):
        raw = name if name is not None else expressions[i]
        suffix = " ".join(s.upper().replace("_", " ") for s in sorting.get(raw, ()))
        element = raw if name is not None else _squash(raw)
        elements.append(f"{element} {suffix}" if suffix else element)
    return tuple(elements)


def _index_where(options: Mapping[str, Any]) -> str | None:
    for key in ("postgresql_where", "sqlite_where"):
        if options.get(key) is not None:
            return _squash(str(options[key]))
    return None


def _squash(text: str) -> str:
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
        return bool(match) and name == _pg_object_name(
            table, "_".join(columns), "key" + match.group(2)
        )  # type: ignore[union-attr]
    if dialect in ("mysql", "mariadb") and columns:
        return re.fullmatch(re.escape(columns[0]) + r"(_\d+)?", name) is not None
    return False


def _pg_object_name(name1: str, name2: str, label: str, limit: int = 63) -> str:
    """PostgreSQL's makeObjectName(): shorten the longer part until the whole fits in 63."""
    available = limit - len(label) - 2
    n1, n2 = len(name1), len(name2)
    while n1 + n2 > available:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return f"{name1[:n1]}_{name2[:n2]}_{label}"


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
    action = _squash(action or "").upper()
    return None if action in ("", "NO ACTION") else action


# --- SQLite catalog reader -------------------------------------------------------------------

_COLUMNS_SQL = (
    'SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden '
    "FROM {s}sqlite_master AS m, pragma_table_xinfo(m.name, {q}) AS p "
    "WHERE m.type = 'table' ORDER BY m.name, p.cid"
)
_INDEXES_SQL = (
    'SELECT m.name, il.name, il."unique", il.origin, il.partial, ii.cid, ii.name, ii."desc" '
    "FROM {s}sqlite_master AS m, pragma_index_list(m.name, {q}) AS il, "
    "pragma_index_xinfo(il.name, {q}) AS ii "
    "WHERE m.type = 'table' AND ii.key = 1 ORDER BY m.name, il.name, ii.seqno"
)
_FKS_SQL = (
    'SELECT m.name, f.id, f."table", f."from", f."to", f.on_update, f.on_delete '
    "FROM {s}sqlite_master AS m, pragma_foreign_key_list(m.name, {q}) AS f "
    "WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq"
)
_MASTER_SQL = "SELECT type, name, sql FROM {s}sqlite_master WHERE type IN ('table', 'index')"


def _read_sqlite(conn: Connection, schema: str | None) -> _Reflected:
    """Read a SQLite schema in four catalog queries, into the Inspector's shapes."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    fmt = {"s": f"{quote(schema)}." if schema else "", "q": _sql_string(schema or "main")}

    def rows(sql: str) -> list[Any]:
        return list(conn.exec_driver_sql(sql.format(**fmt)).fetchall())

    master = rows(_MASTER_SQL)
    table_sql = {name: sql or "" for kind, name, sql in master if kind == "table"}
    index_sql = {name: sql or "" for kind, name, sql in master if kind == "index"}
    keep = {n for n in table_sql if not n.startswith("sqlite_") and n not in IGNORED_TABLES}
    reflected = _Reflected()
    _sqlite_columns(reflected, rows(_COLUMNS_SQL), keep, conn.dialect, table_sql)
    _sqlite_indexes(reflected, rows(_INDEXES_SQL), keep, index_sql, table_sql)
    _sqlite_fks(reflected, rows(_FKS_SQL), keep)
    return reflected


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_columns(
    reflected: _Reflected,
    rows: list[Any],
    keep: set[str],
    dialect: Dialect,
    table_sql: Mapping[str, str],
) -> None:
    pk_positions: dict[str, list[tuple[int, str]]] = {}
    types: dict[tuple[str, int], str] = {}
    for table, name, declared, notnull, default, pk, hidden in rows:
        if table not in keep or hidden == 1:
            continue
        key = (declared or "", hidden)
        if key not in types:
            types[key] = type_text(_sqlite_type(declared, hidden, dialect), dialect)
        reflected.columns.setdefault(table, []).append(
            {
                "name": name,
                "type_text": types[key],
                "nullable": not notnull,
                "default": default,
                "declared": key[0].upper(),
            }
        )
        if pk:
            pk_positions.setdefault(table, []).append((pk, name))
    for table in keep:
        reflected.columns.setdefault(table, [])
        pk = [name for _, name in sorted(pk_positions.get(table, []))]
        reflected.pks[table] = {"constrained_columns": pk, "name": None}
        _mark_rowid_alias(reflected.columns[table], pk, table_sql.get(table, ""))


def _sqlite_type(declared: str | None, hidden: int, dialect: Dialect) -> TypeEngine[Any]:
    """The type SQLAlchemy's SQLite reflection would give (its affinity rules)."""
    text = (declared or "").upper()
    if hidden in (2, 3):
        text = re.sub(r"\b(GENERATED|ALWAYS)\b", "", text).strip()
    resolve = getattr(dialect, "_resolve_type_affinity", None)
    return resolve(text) if resolve else NullType()


def _mark_rowid_alias(columns: list[dict[str, Any]], pk: list[str], sql: str) -> None:
    """A single INTEGER PRIMARY KEY aliases the rowid and cannot be NULL."""
    if len(pk) != 1 or re.search(r"WITHOUT\s+ROWID", sql, re.IGNORECASE):
        return
    for col in columns:
        if col["name"] == pk[0] and col["declared"] == "INTEGER":
            col["nullable"] = False


def _sqlite_indexes(
    reflected: _Reflected,
    rows: list[Any],
    keep: set[str],
    index_sql: Mapping[str, str],
    table_sql: Mapping[str, str],
) -> None:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for table, name, unique, origin, partial, cid, column, desc in rows:
        if table not in keep or origin == "pk":
            continue
        entry = found.get((table, name))
        if entry is None:
            entry = found[(table, name)] = {
                "name": name,
                "unique": bool(unique),
                "origin": origin,
                "partial": partial,
                "column_names": [],
                "cids": [],
                "desc": [],
            }
        entry["column_names"].append(column)
        entry["cids"].append(cid)
        entry["desc"].append(desc)
    for (table, name), entry in found.items():
        if entry["origin"] == "u":
            reflected.uniques.setdefault(table, []).append(
                _sqlite_unique(entry["column_names"], table_sql.get(table, ""))
            )
        else:
            reflected.indexes.setdefault(table, []).append(
                _sqlite_index(entry, index_sql.get(name, ""))
            )


def _sqlite_index(entry: Mapping[str, Any], sql: str) -> dict[str, Any]:
    """An index in the Inspector's shape; expressions and WHERE come from its CREATE text."""
    needs_sql = entry["partial"] or -2 in entry["cids"]
    texts, where = split_index_sql(sql) if needs_sql else ([], None)
    names, expressions, sorting = [], [], {}
    columns = zip(entry["cids"], entry["column_names"], entry["desc"], strict=True)
    for i, (cid, column, desc) in enumerate(columns):
        is_expr = cid == -2
        text = _strip_desc(texts[i]) if is_expr and i < len(texts) else column
        names.append(None if is_expr else column)
        expressions.append(text or "?")
        if desc:
            sorting[text or "?"] = ("desc",)
    row: dict[str, Any] = {
        "name": entry["name"],
        "unique": entry["unique"],
        "column_names": names,
        "column_sorting": sorting,
        "dialect_options": {"sqlite_where": where} if where else {},
    }
    if -2 in entry["cids"]:
        row["expressions"] = expressions
    return row


def _strip_desc(text: str) -> str:
    return re.sub(r"\s+(ASC|DESC)\s*$", "", text, flags=re.IGNORECASE).strip()


def split_index_sql(sql: str) -> tuple[list[str], str | None]:
    """The element texts and WHERE clause of `CREATE INDEX name ON table (elements) WHERE ...`."""
    match = re.search(r"\bON\b", sql, re.IGNORECASE)
    start = sql.find("(", match.end() if match else 0)
    if start < 0:
        return [], None
    elements, end = _split_parenthesized(sql, start)
    rest = re.match(r"\s*WHERE\s+(.*)", sql[end:], re.IGNORECASE | re.DOTALL)
    return elements, (_squash(rest.group(1)) if rest else None)


def _split_parenthesized(sql: str, start: int) -> tuple[list[str], int]:
    """Top-level comma-separated parts of the parenthesized list at `start`, and its end."""
    depth, quote, parts, begin = 0, "", [], start + 1
    closing = {"'": "'", '"': '"', "`": "`", "[": "]"}
    for pos in range(start, len(sql)):
        char = sql[pos]
        if quote:
            quote = "" if char == closing[quote] else quote
        elif char in closing:
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")" or (char == "," and depth == 1):
            depth -= char == ")"
            if depth == 0 or char == ",":
                parts.append(_squash(sql[begin:pos]))
                begin = pos + 1
            if depth == 0:
                return parts, pos + 1
    return parts, len(sql)


_NAMED_UNIQUE = re.compile(
    r"CONSTRAINT\s+(\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|\w+)\s+UNIQUE\s*\(", re.IGNORECASE
)


def _sqlite_unique(columns: list[str], table_sql: str) -> dict[str, Any]:
    """A UNIQUE constraint; SQLite keeps its name only in the CREATE TABLE text."""
    for match in _NAMED_UNIQUE.finditer(table_sql):
        parts, _ = _split_parenthesized(table_sql, match.end() - 1)
        if [_unquote(_strip_desc(p)) for p in parts] == columns:
            return {"name": _unquote(match.group(1)), "column_names": columns}
    return {"name": None, "column_names": columns}


def _unquote(name: str) -> str:
    if name[:1] in '"`[' and len(name) > 1:
        return name[1:-1].replace('""', '"')
    return name


def _sqlite_fks(reflected: _Reflected, rows: list[Any], keep: set[str]) -> None:
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for table, fk_id, referred, column, to, on_update, on_delete in rows:
        if table not in keep:
            continue
        entry = found.setdefault(
            (table, fk_id),
            {
                "name": None,
                "constrained_columns": [],
                "referred_schema": None,
                "referred_table": referred,
                "referred_columns": [],
                "options": {"onupdate": on_update, "ondelete": on_delete},
            },
        )
        entry["constrained_columns"].append(column)
        entry["referred_columns"].append(to)
    for (table, _), entry in sorted(found.items()):
        if None in entry["referred_columns"]:
            pk = reflected.pks.get(entry["referred_table"], {}).get("constrained_columns", [])
            entry["referred_columns"] = list(pk)
        reflected.fks.setdefault(table, []).append(entry)


# --- comparing -------------------------------------------------------------------------------

_SUBJECTS = {
    "table": "table",
    "column": "column",
    "column.type": "column",
    "column.nullable": "column",
    "column.default": "column",
    "primary key": "primary key",
    "index": "index",
    "unique constraint": "unique constraint",
    "foreign key": "foreign key",
    "enum": "enum",
}
_ATTRIBUTES = {"column.type": "type ", "column.default": "default ", "enum": "values "}


@dataclass(frozen=True)
class Difference:
    """One difference; `expected` is None for an extra object, `actual` None for a missing one."""

    kind: str
    table: str | None
    name: str | None
    expected: str | None
    actual: str | None

    def __str__(self) -> str:
        prefix = f"table {self.table}: " if self.table and self.kind != "table" else ""
        subject = " ".join(p for p in (_SUBJECTS.get(self.kind, self.kind), self.name) if p)
        if self.actual is None:
            return f"{prefix}{subject} missing"
        if self.expected is None:
            return f"{prefix}extra {subject}"
        attribute = _ATTRIBUTES.get(self.kind, "")
        return f"{prefix}{subject} {attribute}{self.expected} != {self.actual}"


def format_diff(diffs: Iterable[Difference]) -> str:
    """One line per difference, or "no differences"."""
    lines = [str(d) for d in diffs]
    return "\n".join(lines) if lines else "no differences"


def diff_snapshots(
    expected: Snapshot, actual: Snapshot, *, compare_defaults: bool = False
) -> list[Difference]:
    """What differs between two snapshots, tables in name order, then enums.

    Server defaults are compared only with `compare_defaults` (as text, as the database
    reports them), like Alembic's `compare_server_default` option.
    """
    diffs: list[Difference] = []
    for name in sorted(set(expected.table_map) | set(actual.table_map)):
        want, got = expected.table(name), actual.table(name)
        if want is None:
            diffs.append(Difference("table", name, name, None, "present"))
        elif got is None:
            diffs.append(Difference("table", name, name, "present", None))
        elif want != got or (compare_defaults and _defaults(want) != _defaults(got)):
            diffs.extend(_diff_table(want, got, compare_defaults))
    diffs.extend(_diff_enums(expected.enums, actual.enums))
    return diffs


def _defaults(table: Table) -> dict[str, str | None]:
    return {c.name: c.default for c in table.columns}


def _diff_table(want: Table, got: Table, compare_defaults: bool) -> list[Difference]:
    diffs = _diff_columns(want, got, compare_defaults)
    if want.primary_key != got.primary_key:
        diffs.append(
            Difference(
                "primary key", want.name, None, _cols(want.primary_key), _cols(got.primary_key)
            )
        )
    diffs += _diff_indexes(want, got)
    diffs += _diff_keyed(
        "unique constraint", want.name, want.unique_constraints, got.unique_constraints
    )
    diffs += _diff_foreign_keys(want, got)
    return diffs


def _cols(columns: tuple[str, ...]) -> str:
    return f"({', '.join(columns)})"


def _diff_columns(want: Table, got: Table, compare_defaults: bool) -> list[Difference]:
    diffs = []
    table = want.name
    for name in sorted(set(want.column_map) | set(got.column_map)):
        a, b = want.column_map.get(name), got.column_map.get(name)
        if a is None or b is None:
            diffs.append(
                Difference(
                    "column", table, name, a.describe() if a else None, b.describe() if b else None
                )
            )
            continue
        if a.type != b.type:
            diffs.append(
                Difference("column.type", table, name, a.type or "(no type)", b.type or "(no type)")
            )
        if a.nullable != b.nullable:
            diffs.append(Difference("column.nullable", table, name, _null(a), _null(b)))
        if compare_defaults and a.default != b.default:
            diffs.append(Difference("column.default", table, name, _default(a), _default(b)))
    return diffs


def _default(col: Column) -> str:
    return "(none)" if col.default is None else col.default


def _null(col: Column) -> str:
    return "NULL" if col.nullable else "NOT NULL"


def _diff_indexes(want: Table, got: Table) -> list[Difference]:
    a = {i.name: i for i in want.indexes}
    b = {i.name: i for i in got.indexes}
    return [
        Difference(
            "index",
            want.name,
            name,
            a[name].describe() if name in a else None,
            b[name].describe() if name in b else None,
        )
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def _diff_keyed(kind: str, table: str, want: Iterable[Any], got: Iterable[Any]) -> list[Difference]:
    a = {item.describe(): item for item in want}
    b = {item.describe(): item for item in got}
    return [
        Difference(kind, table, text, text if text in a else None, text if text in b else None)
        for text in sorted(set(a) ^ set(b))
    ]


def _diff_foreign_keys(want: Table, got: Table) -> list[Difference]:
    """Missing and extra foreign keys; same target with other ON DELETE/UPDATE is a change."""
    missing = want.foreign_keys - got.foreign_keys
    extra = got.foreign_keys - want.foreign_keys
    diffs = []
    for fk in sorted(missing, key=ForeignKey.describe):
        twins = [e for e in extra if e.target == fk.target]
        if len(twins) == 1:
            extra = extra - {twins[0]}
            diffs.append(
                Difference(
                    "foreign key",
                    want.name,
                    fk.describe(),
                    fk.describe_actions(),
                    twins[0].describe_actions(),
                )
            )
        else:
            diffs.append(Difference("foreign key", want.name, fk.describe(), fk.describe(), None))
    diffs += [
        Difference("foreign key", want.name, fk.describe(), None, fk.describe())
        for fk in sorted(extra, key=ForeignKey.describe)
    ]
    return diffs


def _diff_enums(want: Iterable[EnumType], got: Iterable[EnumType]) -> list[Difference]:
    a = {e.name: e.values for e in want}
    b = {e.name: e.values for e in got}
    return [
        Difference("enum", None, name, _values(a.get(name)), _values(b.get(name)))
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def _values(values: tuple[str, ...] | None) -> str | None:
    return None if values is None else "(" + ", ".join(repr(v) for v in values) + ")"
