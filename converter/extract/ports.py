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
    """The two databases a script connects to at once when it also inserts rows, else None:
    two dialects, or two files / URLs of one dialect written out as literals. Connections on
    either side of an `if` or a try/except are one database picked at run time."""
    if not any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and _INSERT.match(n.value)
        for n in ast.walk(tree)
    ):
        return None
    constants = _module_constants(tree)
    opened = list(_connections(tree, ()))
    for i, (dialect, path, call) in enumerate(opened):
        for other, other_path, other_call in opened[i + 1 :]:
            if _exclusive(path, other_path):
                continue
            if other != dialect:
                return tuple(sorted((dialect, other)))
            targets = (_target(call, constants), _target(other_call, constants))
            if None not in targets and targets[0] != targets[1]:
                return tuple(f"{dialect} {t!r}" for t in targets)
    return None


def _connections(node: ast.AST, path: Path) -> list[tuple[str, Path, ast.Call]]:
    """Every connection the code opens, with the (node id, field) steps that lead to it."""
    found: list[tuple[str, Path, ast.Call]] = []
    if isinstance(node, ast.Call):
        dialect = _connection(node)
        if dialect:
            found.append((dialect, path, node))
    for name, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ast.AST):
                found += _connections(child, (*path, (id(node), name)))
    return found


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Names the module assigns a string literal once, at top level (`DB = "app.db"`)."""
    seen: dict[str, list[object]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    seen.setdefault(target.id, []).append(node)
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if (
                isinstance(target, ast.Name)
                and len(seen[target.id]) == 1
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                constants[target.id] = value.value
    return constants


def _target(call: ast.Call, constants: dict[str, str]) -> str | None:
    """The database a connect call names, when it is written out (or a module constant)."""
    if not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return constants.get(arg.id) if isinstance(arg, ast.Name) else None


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
