"""The SQLite catalog reader: a whole schema in four queries, into the Inspector's shapes.

The Inspector's SQLite reflection re-reads `sqlite_master` per table and grows quadratically; this
reads `sqlite_master` and the pragma table-valued functions once each. What the pragmas do not
keep (expression index texts, partial index WHERE clauses, UNIQUE constraint names, CHECK
constraints, AUTOINCREMENT, views and triggers) is read from the CREATE texts. SQLite has no
comments, enums, sequences or functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.types import NullType

from converter.database.snapshot.expressions import (
    normalize_expression,
    normalize_statements,
    plain_text,
)
from converter.database.snapshot.model import IGNORED_TABLES, Trigger, View
from converter.database.snapshot.normalize import Reflected, squash, type_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect
    from sqlalchemy.types import TypeEngine


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
_MASTER_SQL = "SELECT type, name, tbl_name, sql FROM {s}sqlite_master"
_CHECK = re.compile(r"\bCHECK\b", re.IGNORECASE)
_NAMED_CHECK = re.compile(
    r"(?:\bCONSTRAINT\s+(\"(?:[^\"]|\"\")+\"|`[^`]+`|\[[^\]]+\]|\w+)\s+)?\bCHECK\s*\(",
    re.IGNORECASE,
)
_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.IGNORECASE)
_TRIGGER = re.compile(
    r"\bTRIGGER\b.*?\b(BEFORE|AFTER|INSTEAD\s+OF)?\s*\b(DELETE|INSERT|UPDATE(?:\s+OF\s+.*?)?)"
    r"\s+ON\s+.*?\bBEGIN\b(.*)\bEND\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def read_sqlite(conn: Connection, schema: str | None) -> Reflected:
    """Read a SQLite schema in four catalog queries, into the Inspector's shapes."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    fmt = {"s": f"{quote(schema)}." if schema else "", "q": _sql_string(schema or "main")}

    def rows(sql: str) -> list[Any]:
        return list(conn.exec_driver_sql(sql.format(**fmt)).fetchall())

    master = rows(_MASTER_SQL)
    table_sql = {name: sql or "" for kind, name, _, sql in master if kind == "table"}
    index_sql = {name: sql or "" for kind, name, _, sql in master if kind == "index"}
    keep = {n for n in table_sql if not n.startswith("sqlite_") and n not in IGNORED_TABLES}
    reflected = Reflected()
    _sqlite_columns(reflected, rows(_COLUMNS_SQL), keep, conn.dialect, table_sql)
    _sqlite_indexes(reflected, rows(_INDEXES_SQL), keep, index_sql, table_sql)
    _sqlite_fks(reflected, rows(_FKS_SQL), keep)
    for table in keep:
        if _CHECK.search(table_sql[table]):
            reflected.checks[table] = sqlite_checks(table_sql[table])
    reflected.views = [_view(n, sql or "") for kind, n, _, sql in master if kind == "view"]
    reflected.triggers = [
        _trigger(n, t, sql or "") for kind, n, t, sql in master if kind == "trigger"
    ]
    return reflected


def sqlite_checks(sql: str) -> list[dict[str, Any]]:
    """The CHECK constraints of a CREATE TABLE text: `{"name", "sqltext"}` (name or None)."""
    found = []
    for match in _NAMED_CHECK.finditer(sql):
        _, end = _split_parenthesized(sql, match.end() - 1)
        name = _unquote(match.group(1)) if match.group(1) else None
        found.append({"name": name, "sqltext": sql[match.end() : end - 1]})
    return found


def _view(name: str, sql: str) -> View:
    """A view and its SELECT, normalised (the text after the first AS)."""
    match = re.search(r"\bAS\b(.*)$", sql, re.IGNORECASE | re.DOTALL)
    select = match.group(1) if match else sql
    return View(name, normalize_expression(select.strip().rstrip(";"), "sqlite"))


def _trigger(name: str, table: str, sql: str) -> Trigger:
    """A trigger: when it fires (BEFORE unless said), on what event, and its statements."""
    match = _TRIGGER.search(sql)
    if match is None:
        return Trigger(name, table, "", "", plain_text(sql))
    timing, event, body = match.groups()
    return Trigger(
        name,
        table,
        " ".join((timing or "BEFORE").upper().split()),
        plain_text(event).upper(),
        normalize_statements(body, "sqlite"),
    )


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_columns(
    reflected: Reflected,
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
            if _AUTOINCREMENT.search(sql):
                col["identity"] = "autoincrement"


def _sqlite_indexes(
    reflected: Reflected,
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
    return elements, (squash(rest.group(1)) if rest else None)


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
                parts.append(squash(sql[begin:pos]))
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


def _sqlite_fks(reflected: Reflected, rows: list[Any], keep: set[str]) -> None:
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
