"""Scripts that copy rows from one database into another (a SQLite file into PostgreSQL): data
ports, not schema history. They are recognised by their connections, reported, not converted."""

from __future__ import annotations

import ast
import re

from converter.extract.target import family

_CONNECT_MODULES = {
    "sqlite3": "sqlite",
    "aiosqlite": "sqlite",
    "psycopg2": "postgres",
    "psycopg": "postgres",
    "asyncpg": "postgres",
    "pg8000": "postgres",
    "pymysql": "mysql",
    "MySQLdb": "mysql",
    "mysql.connector": "mysql",
}
_ENGINE_CALLS = frozenset(("create_engine", "create_async_engine"))
_INSERT = re.compile(r"^\s*(?:INSERT|REPLACE)\b", re.IGNORECASE)


Path = tuple[tuple[int, str], ...]


def data_port(tree: ast.Module) -> tuple[str, ...] | None:
    """The two dialects a script connects to at once when it also inserts rows, else None.
    Connections on either side of an `if` or a try/except are one database picked at run time."""
    if not any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and _INSERT.match(n.value)
        for n in ast.walk(tree)
    ):
        return None
    opened = list(_connections(tree, ()))
    for i, (dialect, path) in enumerate(opened):
        for other, other_path in opened[i + 1 :]:
            if other != dialect and not _exclusive(path, other_path):
                return tuple(sorted((dialect, other)))
    return None


def _connections(node: ast.AST, path: Path) -> list[tuple[str, Path]]:
    """Every connection the code opens, with the (node id, field) steps that lead to it."""
    found: list[tuple[str, Path]] = []
    if isinstance(node, ast.Call):
        dialect = _connection(node)
        if dialect:
            found.append((dialect, path))
    for name, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ast.AST):
                found += _connections(child, (*path, (id(node), name)))
    return found


def _exclusive(a: Path, b: Path) -> bool:
    """Whether two places are in different branches of the same if / try (never both run)."""
    for (node_a, field_a), (node_b, field_b) in zip(a, b):
        if node_a != node_b:
            return False
        if field_a != field_b:
            return field_a in _BRANCHES and field_b in _BRANCHES
    return False


_BRANCHES = frozenset(("body", "orelse", "handlers"))


def _connection(call: ast.Call) -> str | None:
    """The dialect a `sqlite3.connect(...)` / `create_engine("postgresql://...")` opens."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "connect":
        return _CONNECT_MODULES.get(_dotted(func.value))
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in _ENGINE_CALLS and call.args:
        url = call.args[0]
        if isinstance(url, ast.Constant) and isinstance(url.value, str):
            return family(url.value)
    return None


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""
