"""Questions asked of a module's syntax tree: its statements in context, calls, bound names.

Both the choice for each `create_all()` call and the search for `Migrate(app, db)` walk the same
tree with these.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

Stack = tuple[ast.AST, ...]


def statements(node: ast.AST, outer: Stack = ()) -> Iterator[tuple[ast.stmt, list, Stack]]:
    """Every statement with the body list holding it and its enclosing nodes, in source order."""
    for _, value in ast.iter_fields(node):
        if not isinstance(value, list):
            continue
        for child in value:
            if isinstance(child, ast.stmt):
                yield child, value, outer
                yield from statements(child, (*outer, child))
            elif isinstance(child, (ast.excepthandler, ast.match_case)):
                yield from statements(child, (*outer, child))


def dotted_name(node: ast.expr) -> str:
    """The dotted name a call or attribute chain spells (`flask.Flask`); empty otherwise."""
    if isinstance(node, ast.Call):
        return dotted_name(node.func)
    if isinstance(node, ast.Attribute):
        return f"{dotted_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def is_call_of(node: ast.expr | None, name: str) -> bool:
    """`node` is a call of something named `name` (`Flask(...)`, `flask.Flask(...)`)."""
    return isinstance(node, ast.Call) and dotted_name(node.func).split(".")[-1] == name


def binds(tree: ast.Module, name: str, module: str) -> bool:
    """Whether the module binds `name` other than by `from <module> import name`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
            node.name == name
        ):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name) == name for a in node.names
        ):
            if not (isinstance(node, ast.ImportFrom) and node.module == module):
                return True
    return False


def imported_from(tree: ast.Module, module: str) -> set[str]:
    """Names imported unaliased by top-level `from <module> import ...` statements."""
    return {
        a.name
        for s in tree.body
        if isinstance(s, ast.ImportFrom) and s.module == module
        for a in s.names
        if a.asname is None
    }
