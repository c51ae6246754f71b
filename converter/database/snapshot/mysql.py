"""What the Inspector does not read on MySQL and MariaDB: CHECK constraints, table comments,
views and triggers, from information_schema, one query per kind, for the current database only.

Texts are normalised in sqlglot's "mysql" dialect. The server rewrites what it keeps: CHECK
clauses get backquotes (and, on MySQL, outer parentheses), a view's SELECT names every column
`db`.`table`.`column` with an alias; the current database's name is taken out, since two
databases compared are never named alike. A trigger's body loses its BEGIN ... END.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from converter.database.snapshot.expressions import normalize_expression, normalize_statements
from converter.database.snapshot.model import Trigger, View
from converter.database.snapshot.normalize import Reflected

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# MariaDB's CHECK_CONSTRAINTS names its table; MySQL's does not (it is in TABLE_CONSTRAINTS).
_MARIADB_CHECKS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
    "WHERE CONSTRAINT_SCHEMA = DATABASE()"
)
_MYSQL_CHECKS = (
    "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE "
    "FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc "
    "ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME "
    "WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'"
)
_TABLE_COMMENTS = (
    "SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_COMMENT <> ''"
)
_VIEWS = (
    "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
    "WHERE TABLE_SCHEMA = DATABASE()"
)
_TRIGGERS = (
    "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, "
    "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
)
_BLOCK = re.compile(r"(?is)\s*BEGIN\b(.*)\bEND\s*;?\s*")


def read_mysql_objects(conn: Connection, reflected: Reflected) -> None:
    """Add the current database's CHECKs, table comments, views and triggers to `reflected`
    (whose tables the Inspector has read)."""
    database = conn.exec_driver_sql("SELECT DATABASE()").scalar() or ""
    checks = _MARIADB_CHECKS if getattr(conn.dialect, "is_mariadb", False) else _MYSQL_CHECKS
    for table, name, clause in conn.exec_driver_sql(checks):
        if table in reflected.columns:
            reflected.checks.setdefault(table, []).append({"name": name, "sqltext": clause})
    for table, comment in conn.exec_driver_sql(_TABLE_COMMENTS):
        if table in reflected.columns:
            reflected.comments[table] = comment
    reflected.views = [
        View(name, normalize_expression(_unqualified(text or "", database), "mysql"))
        for name, text in conn.exec_driver_sql(_VIEWS)
    ]
    reflected.triggers = [
        Trigger(name, table, timing, event.upper(), _trigger_body(body or ""))
        for table, name, timing, event, body in conn.exec_driver_sql(_TRIGGERS)
    ]


def _unqualified(text: str, database: str) -> str:
    """`text` without the "`database`." the server writes before each name in it."""
    quoted = "`" + database.replace("`", "``") + "`."
    return text.replace(quoted, "")


def _trigger_body(body: str) -> str:
    """A trigger's statement(s), normalised, without an enclosing BEGIN ... END."""
    block = _BLOCK.fullmatch(body)
    return normalize_statements(block.group(1) if block else body, "mysql")
