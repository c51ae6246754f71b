"""Recognising the database a script talks to, and which dialect its SQL is written for.

Scripts pick their SQL by testing the database: `'sqlite' in DATABASE_URL`,
`engine.dialect.name == "postgresql"`, `url.startswith("mysql")`. The URL, engine or dialect name
is the symbolic `DbRef`, recognised by the names scripts give it; tests on it are decided here for
the target dialect. Where nothing decides, the SQL itself (or a function's name) tells which
dialect it is for.
"""

from __future__ import annotations

import ast
import re

from converter.core.dialects import Dialect, dialect_family
from converter.extract.values import DbRef, Unknown
from converter.ir.statements import Item, Statement

_DB_NAME = re.compile(r"(?:^|_)(?:url|uri|dsn)$|^(?:engine|db_engine|bind|dialect)$", re.IGNORECASE)
_DB_KEY = re.compile(r"database|db_|_db|sqlalchemy|dsn|^db$", re.IGNORECASE)
PROBE_METHODS = frozenset({
    "fetchone", "fetchall", "fetchmany", "fetchval", "fetchrow", "scalar", "scalar_one",
    "scalar_one_or_none", "scalars", "first", "one", "one_or_none", "all", "get_columns",
    "get_table_names", "get_indexes", "get_unique_constraints", "get_foreign_keys",
    "get_pk_constraint", "has_table", "has_index", "has_column", "get_view_names",
})  # fmt: skip
DB_ATTRS = frozenset(
    ["url", "dialect", "name", "drivername", "driver", "engine", "bind", "backend_name"]
)
DIALECT_HINTS = {
    "sqlite": re.compile(
        r"\bautoincrement\b|\bpragma\b|\bsqlite_\w+|\binsert\s+or\s+(?:replace|ignore)\b"
        r"|\bwithout\s+rowid\b",
        re.IGNORECASE,
    ),
    "postgres": re.compile(
        r"\b(?:big|small)?serial\b|::\w|\bjsonb\b|\bbytea\b|\btimestamptz\b|\bilike\b"
        r"|\bconcurrently\b|\bcreate\s+extension\b|\$\$|\balter\s+column\s+\S+\s+(?:set\s+data\s+)?type\b"
        r"|\bgenerated\s+(?:always|by\s+default)\s+as\s+identity\b",
        re.IGNORECASE,
    ),
    "mysql": re.compile(
        r"`|\bauto_increment\b|\bengine\s*=|\bmodify\s+(?:column\s+)?\w|\bchange\s+column\b"
        r"|\bunsigned\b|\bon\s+duplicate\s+key\b|\bcharset\b",
        re.IGNORECASE,
    ),
}


def family(word: str) -> str | None:
    """The dialect a URL scheme, driver or dialect name belongs to (`postgresql+psycopg2`)."""
    head = re.match(r"[a-z0-9]+", word.strip().lower())
    return dialect_family(head.group()) if head else None


def is_db_name(name: str) -> bool:
    """Names scripts use for the database URL, engine or dialect (`DATABASE_URL`, `engine`)."""
    return bool(_DB_NAME.search(name)) and (bool(_DB_KEY.search(name)) or "_" not in name)


def db_compare(op: type, left: object, right: object, dialect: Dialect) -> object:
    """Decide a test on the database URL or dialect name for the target dialect."""
    other = left if isinstance(right, DbRef) else right
    if op in (ast.Is, ast.IsNot) and other is None:
        return op is ast.IsNot
    if op in (ast.Eq, ast.NotEq) and isinstance(other, str):
        decided: object = family(other)
    elif op in (ast.In, ast.NotIn) and isinstance(right, DbRef) and isinstance(left, str):
        decided = family(left)
    elif op in (ast.In, ast.NotIn) and isinstance(right, (list, tuple, set)):
        families = {family(v) if isinstance(v, str) else None for v in right}
        decided = dialect if dialect in families else (None if None in families else "")
    else:
        decided = None
    if decided is None:
        return Unknown("the test on the database dialect cannot be decided", dialect=True)
    holds = decided == dialect
    return holds if op in (ast.Eq, ast.In) else not holds


def db_method(obj: DbRef, name: str, args: list[object], dialect: Dialect) -> object:
    """Methods of the database URL / dialect name: `startswith` is decided by family."""
    if name in ("lower", "upper", "strip", "casefold", "get_backend_name", "get_driver_name"):
        return obj
    if name not in ("startswith", "endswith", "find", "count", "split", "__contains__"):
        return Unknown(f"result of {name}() on the database")
    if name == "startswith" and args:
        prefixes = args[0] if isinstance(args[0], tuple) else (args[0],)
        if all(isinstance(p, str) and family(p) for p in prefixes):
            return any(family(p) == dialect for p in prefixes)
    return Unknown("the test on the database dialect cannot be decided", dialect=True)


def other_dialect_in_name(name: str, dialect: Dialect) -> str | None:
    """The dialect a function's name is for (`_migrate_postgresql`, `upgrade_sqlite`), when it
    names only dialects other than `dialect`; such functions are per-dialect variants picked at
    run time (`getattr(self, "_migrate_" + engine.name)`)."""
    named = {family(word) for word in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name)} - {None}
    return None if not named or dialect in named else ", ".join(sorted(named))  # type: ignore[arg-type]


def dialect_score(items: list[Item], dialect: Dialect) -> int:
    """+1 when the SQL is recognisably for `dialect` only, -1 when only for others, else 0."""
    hints: set[str] = set()
    for item in items:
        if isinstance(item, Statement) and item.ignored is None:
            hints |= {name for name, rx in DIALECT_HINTS.items() if rx.search(item.sql)}
    return int(dialect in hints) - int(bool(hints - {dialect}))
