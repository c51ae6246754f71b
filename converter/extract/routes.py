"""Schema an application creates lazily in its request handlers, and only that.

Real apps create a table the first time a route needs it: `CREATE TABLE IF NOT EXISTS` and a
loop of column checks with `ADD COLUMN` before the request's INSERT. That schema belongs in the
chain (a fresh `flask db upgrade` would lack it until someone requests the route), so the
request handlers of an application file that hold DDL are more entry points of the start-up
walk (`extract/startup.py`), with a statement filter (docs/decisions.md): what creates schema
idempotently (`IF NOT EXISTS`, or guarded by a check of the schema or a try/except) is
converted; every other DDL statement is listed, never emitted (drops, temporary tables,
renames, unguarded creation); the request's data work is per-request and dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from converter.core.diagnostics import Diagnostics
from converter.discover.startup import CREATES_SCHEMA
from converter.ir.statements import Flag, Item, ManualCode, Statement

_IF_NOT_EXISTS = re.compile(r"\bif\s+not\s+exists\b", re.IGNORECASE)
_ALTER = re.compile(r"^\s*alter\s+table\s+\S+\s+(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
# ADD COLUMN clauses only; a constraint, key or index added is not a column.
_ADD_COLUMN = re.compile(
    r"^add\s+(?!(constraint|primary|foreign|unique|index|key|check|fulltext|spatial)\b)",
    re.IGNORECASE,
)
_CHANGES = re.compile(
    r"\b(drop|rename|modify|change)\b|\balter\s+column\b|\balter\s+\w+\s+(type|set|drop)\b",
    re.IGNORECASE,
)
_TEMPORARY = re.compile(r"^\s*create\s+(global\s+|local\s+)?temp(orary)?\b", re.IGNORECASE)
_DDL_WORD = re.compile(r"^\s*(create|alter|drop|rename|truncate|comment)\b", re.IGNORECASE)
# In a TODO's Python code: the SQL it would build.
_CODE_CREATES = re.compile(
    r"""["'](\s*)(create\s+(unique\s+)?(table|index)|alter\s+table\s+\S+\s+add)\b""", re.I
)
_CODE_DDL = re.compile(r"""["']\s*(create|alter|drop|rename|truncate)\s""", re.IGNORECASE)

_CHANGES_EXISTING = "changes existing schema (of ALTER TABLE, only ADD COLUMN is converted)"
# TODOs (extract/dbcalls.py) about the values sent with a known SQL text: a query's, not DDL's.
_DATA_TODOS = ("query parameters known only at run time", "executemany() over rows")
CONVERT = "convert"
DATA = "data"


def route_verdict(item: Item) -> str:
    """What becomes of one item a request handler runs: CONVERT (idempotent schema creation, a
    TODO when built from the request), DATA (per-request work, dropped), or why the DDL is only
    listed."""
    if isinstance(item, ManualCode):
        if item.reason.startswith(_DATA_TODOS):
            return DATA  # the SQL is known, its values are not: DDL takes none
        if _CODE_CREATES.search(item.code):
            return CONVERT
        return "DDL built at run time" if _CODE_DDL.search(item.code) else DATA
    if not isinstance(item, Statement) or item.ignored is not None:
        return DATA
    sql = item.sql
    if not _DDL_WORD.match(sql):
        return DATA
    if _TEMPORARY.match(sql):
        return "creates a temporary table, for the request only"
    if not CREATES_SCHEMA.match(sql):
        first = sql.split(None, 1)[0].upper()
        if first == "DROP":
            return "drops schema"
        if first == "ALTER":
            return _CHANGES_EXISTING
        return f"{first} does not create a table, index or column"
    alter = _ALTER.match(sql)
    if alter is not None:
        clauses = [c.strip() for c in _split_clauses(alter["rest"])]
        if _CHANGES.search(alter["rest"]) or not all(_ADD_COLUMN.match(c) for c in clauses):
            return _CHANGES_EXISTING
    if Flag.GUARDED in item.flags or _IF_NOT_EXISTS.search(sql.split("(", 1)[0]):
        return CONVERT
    return "not guarded (no IF NOT EXISTS, no check of the schema or try/except around it)"


def _split_clauses(text: str) -> list[str]:
    """`ADD a INT, ADD b TEXT` -> its clauses (commas inside parentheses kept)."""
    clauses, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            clauses.append(text[start:i])
            start = i + 1
    return [*clauses, text[start:]]


@dataclass(frozen=True)
class RouteStatement:
    """One DDL statement a request handler runs, and what became of it: `verdict` is CONVERT,
    or why it is only listed; `repeat` when the same text was converted already."""

    item: Item
    handler: str
    verdict: str
    repeat: bool = False


def report_route_ddl(found: list[RouteStatement], revision: str, diags: Diagnostics) -> None:
    """A warning per DDL statement of a request handler: converted (remove it from the route),
    or listed (never converted: look at it)."""
    for ddl in found:
        where = f"DDL in request handler {ddl.handler}()"
        text = _text(ddl.item)
        if ddl.verdict == CONVERT and isinstance(ddl.item, ManualCode):
            diags.warning(
                ddl.item.origin,
                f"{where} creates schema from what the request sends: a TODO in the revision "
                f'"{revision}" (port it by hand); remove it from the route once the chain is '
                f"in place: {one_line(text)}",
                code="L2A504",
            )
        elif ddl.verdict == CONVERT:
            diags.warning(
                ddl.item.origin,
                f"{where} creates schema when the route is requested: converted into "
                f"{'' if not ddl.repeat else 'an earlier statement of '}the revision "
                f'"{revision}"; remove it from the route once the chain is in place: '
                f"{one_line(text)}",
                code="L2A504",
            )
        else:
            diags.warning(
                ddl.item.origin,
                f"{where} {ddl.verdict}: not converted (a route's DDL is converted only when "
                f"it creates schema idempotently); move it to a revision by hand if the "
                f"schema needs it: {one_line(text)}",
                code="L2A505",
            )


def _text(item: Item) -> str:
    if isinstance(item, Statement):
        return item.sql
    return item.code if isinstance(item, ManualCode) else item.call


def one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
