"""DDL the application runs at start-up: found for `scan`, never converted.

Real apps carry a list of `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` in `create_app()` or at the
top of `app.py` / `wsgi.py`, run at every boot. That code keeps running after the move to
Alembic, so converting it would apply each change twice; instead scan names every statement with
its `file:line`, so that it can be moved into a revision and deleted from the app
(docs/decisions.md). The files are read with `ast`, never imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.core.files import read_project_file
from converter.discover.classify import APP_FILES
from converter.discover.walk import join, walk_tree
from converter.retire.callsites import STARTUP_HOOKS, STARTUP_NAME

# Hooks that run before the first request (or before each, guarded by a "done once" flag).
_HOOKS = STARTUP_HOOKS | {"before_request", "before_app_request"}

_DDL = re.compile(
    r"^\s*(alter\s+table|create\s+(unique\s+)?(table|index)|drop\s+(table|index)"
    r"|alter\s+type|create\s+type)\b",
    re.IGNORECASE,
)
_MARKERS = (b"ALTER TABLE", b"alter table", b"CREATE TABLE", b"create table", b"CREATE INDEX",
            b"create index", b"CREATE UNIQUE", b"create unique", b"DROP ", b"drop ")  # fmt: skip


@dataclass(frozen=True)
class StartupDDL:
    """One DDL string the app runs at start-up; `scope` names the function (or "module")."""

    origin: Origin
    sql: str
    scope: str


def find_startup_ddl(root: Path, config: Config, diags: Diagnostics) -> list[StartupDDL]:
    """DDL literals in the app's start-up code (app factory, module level, `__main__`), each
    warned about: it runs at every start-up, and is not converted."""
    found: list[StartupDDL] = []
    for folder, names in walk_tree(root, config.exclude):
        for name in names:
            if APP_FILES.fullmatch(name):
                found.extend(_in_file(root, join(folder, name)))
    for item in found:
        diags.warning(
            item.origin,
            f"DDL in start-up code ({item.scope}) runs at every start-up: not converted; move "
            f"it into a revision and remove it from the app: {_one_line(item.sql)}",
            code="L2A504",
        )
    return found


def _in_file(root: Path, path: str) -> list[StartupDDL]:
    try:
        data = read_project_file(root, path)
    except InputError:
        return []  # create_all() call sites report unreadable files
    if not any(marker in data for marker in _MARKERS):
        return []
    try:
        tree = ast.parse(data.decode("utf-8"), filename=path)
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return []
    return [
        StartupDDL(Origin(path, node.lineno), _literal_text(node) or "", scope)
        for node, scope in _startup_strings(tree, "module")
    ]


def _startup_strings(
    tree: ast.Module, scope: str
) -> Iterator[tuple[ast.Constant | ast.JoinedStr, str]]:
    """String constants that run at start-up: outside functions, or inside a start-up function
    (named like one, or called from start-up code) and the functions nested in it. Other
    functions run per request or on demand."""
    starting = _startup_functions(tree)
    yield from _strings_in(tree, scope, starting)


def _strings_in(
    node: ast.AST, scope: str, starting: set[str]
) -> Iterator[tuple[ast.Constant | ast.JoinedStr, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            if scope != "module" or child.name in starting:
                yield from _strings_in(child, child.name if scope == "module" else scope, starting)
        elif isinstance(child, ast.ClassDef):
            continue
        elif isinstance(child, ast.Constant | ast.JoinedStr):
            text = _literal_text(child)
            if text is not None and _DDL.match(text):
                yield child, scope
        else:
            yield from _strings_in(child, scope, starting)


def _startup_functions(tree: ast.Module) -> set[str]:
    """Module-level functions named like start-up code, plus those start-up code calls."""
    functions = {
        n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    module_code = [
        n
        for n in tree.body
        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    starting = {
        name for name, node in functions.items() if STARTUP_NAME.fullmatch(name) or _hooked(node)
    }
    pending = [*module_code, *(functions[name] for name in starting)]
    while pending:
        for called in _called_names(pending.pop()):
            if called in functions and called not in starting:
                starting.add(called)
                pending.append(functions[called])
    return starting


def _hooked(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated `@app.before_first_request` and the like."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _HOOKS:
            return True
    return False


def _called_names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            yield sub.func.id


def _literal_text(node: ast.Constant | ast.JoinedStr) -> str | None:
    """A string literal's text; an f-string's with `{...}` for what is known only at run time."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    parts = [v.value if isinstance(v, ast.Constant) else "{...}" for v in node.values]
    return "".join(str(p) for p in parts)


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
