"""Which code of an application file runs at start-up, and the DDL it holds.

Real apps carry a list of `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` in `create_app()`, in a
module-level `with app.app_context():` block, or in a hook run before the first request. Such a
file is a legacy source of its own (converted last, docs/decisions.md); this module decides what
of it runs at start-up: module-level code, functions named like start-up code or registered as a
start-up hook, and the functions those call. Route handlers and services run per request and are
not part of it, except the schema some route handlers create lazily (`CREATE TABLE IF NOT EXISTS`,
a guarded `ADD COLUMN` before the request's INSERT): `route_ddl` finds it, and only it. Files are
read with `ast`, never imported. `extract` follows the same roots, `retire` lists the same
statements.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from converter.core.diagnostics import Origin
from converter.core.errors import InputError
from converter.core.files import read_project_file

APP_FILES = re.compile(
    r"(app|application|wsgi|\w*_wsgi|wsgi_\w*|run|main|server|factory|__init__)\.py", re.I
)
STARTUP_NAME = re.compile(
    r"(create|make|build)_app|app_factory|init_?(db|database|app|tables?)|create_(db|tables?)"
    r"|.*setup.*|.*startup.*|bootstrap.*",
    re.IGNORECASE,
)
# Hooks that run once, before the first request or when serving starts.
STARTUP_HOOKS = frozenset({"before_first_request", "before_app_first_request", "before_serving"})
# Hooks that run before each request; schema code in them is guarded by a "done once" flag.
REQUEST_HOOKS = frozenset({"before_request", "before_app_request"})
DDL = re.compile(
    r"^\s*(alter\s+table|create\s+(unique\s+)?(table|index)|drop\s+(table|index)"
    r"|alter\s+type|create\s+type)\b",
    re.IGNORECASE,
)
# Decorators that register a request handler: Flask's `route` (apps and blueprints) and the
# method shortcuts of Flask 2 (and FastAPI): `@app.route("/x")`, `@bp.post("/x")`.
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "delete", "patch"})
# DDL a request handler may run; what creates schema is `CREATES_SCHEMA`.
ROUTE_DDL = re.compile(
    r"^\s*(create|alter|drop|rename|truncate)\s+(temp|temporary|unique|table|index)\b", re.I
)
CREATES_SCHEMA = re.compile(
    r"^\s*(create\s+table\s+(if\s+not\s+exists\s+)?\S+\s*\("
    r"|create\s+(unique\s+)?index\s.*?\bon\b"
    r"|alter\s+table\s+\S+\s+add\b)",
    re.IGNORECASE | re.DOTALL,
)
_MARKERS = (b"ALTER TABLE", b"alter table", b"CREATE TABLE", b"create table", b"CREATE INDEX",
            b"create index", b"CREATE UNIQUE", b"create unique", b"DROP ", b"drop ")  # fmt: skip

_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class StartupDDL:
    """One DDL string the app runs at start-up; `scope` names the function (or "module level")."""

    origin: Origin
    sql: str
    scope: str
    # In a request handler (`scope` names it): schema the app creates when the route is requested.
    lazy: bool = False


def read_startup_ddl(root: Path, path: str) -> list[StartupDDL]:
    """The start-up DDL of one application file, and the schema its request handlers create
    (`lazy`), by line; none when it cannot be read or parsed (an app file is not asked for: one
    broken file must not stop the run)."""
    try:
        data = read_project_file(root, path)
    except InputError:
        return []
    if not any(marker in data for marker in _MARKERS):
        return []
    try:
        tree = ast.parse(data.decode("utf-8"), filename=path)
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return []
    found = startup_ddl(tree, path) + route_ddl(tree, path)
    return sorted(found, key=lambda d: d.origin.line)


def startup_ddl(tree: ast.Module, path: str) -> list[StartupDDL]:
    """The DDL string literals that run at start-up, in source order: outside functions, or
    inside a start-up function (and the functions nested in it)."""
    starting = startup_functions(tree)
    return [
        StartupDDL(Origin(path, node.lineno), literal_text(node) or "", _label(scope))
        for node, scope in _strings_in(tree, "module", starting)
    ]


def _label(scope: str) -> str:
    return "module level" if scope == "module" else scope


def _strings_in(
    node: ast.AST, scope: str, starting: set[str]
) -> Iterator[tuple[ast.Constant | ast.JoinedStr, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _Function):
            if is_route(child):
                continue  # per request: route_ddl
            if scope != "module" or child.name in starting:
                yield from _strings_in(child, child.name if scope == "module" else scope, starting)
        elif isinstance(child, ast.ClassDef):
            continue
        elif isinstance(child, ast.Constant | ast.JoinedStr):
            text = literal_text(child)
            if text is not None and DDL.match(text):
                yield child, scope
        else:
            yield from _strings_in(child, scope, starting)


def is_route(node: _Function) -> bool:
    """Whether a decorator registers the function as a request handler (`@app.route(...)`,
    `@bp.post(...)`)."""
    return any(
        isinstance(d, ast.Call)
        and isinstance(d.func, ast.Attribute)
        and d.func.attr in ROUTE_DECORATORS
        for d in node.decorator_list
    )


def route_ddl(tree: ast.Module, path: str) -> list[StartupDDL]:
    """The schema-creating DDL literals of the request handlers (module level or registered in
    the app factory) and of the module's functions they call, but not of start-up functions
    (their DDL is start-up DDL)."""
    return [
        StartupDDL(Origin(path, node.lineno), text, handler, lazy=True)
        for node, text, handler in _route_strings(tree)
        if CREATES_SCHEMA.match(text)
    ]


def routes_with_ddl(tree: ast.Module) -> set[str]:
    """Names of the request handlers whose code (or a function it calls) holds a DDL literal
    of any kind: those `extract` walks, to convert what creates schema and list the rest."""
    return {handler for _, _, handler in _route_strings(tree)}


def _route_strings(
    tree: ast.Module,
) -> Iterator[tuple[ast.Constant | ast.JoinedStr, str, str]]:
    """(literal, text, handler) for each DDL-like literal a request handler runs, in the order
    of the handlers; each literal once (under the first handler that reaches it)."""
    functions = {n.name: n for n in tree.body if isinstance(n, _Function)}
    starting = startup_functions(tree)
    handlers = sorted(
        (n for n in ast.walk(tree) if isinstance(n, _Function) and is_route(n)),
        key=lambda n: n.lineno,
    )
    seen: set[ast.AST] = set()
    for handler in handlers:
        pending: list[_Function] = [handler]
        while pending:
            function = pending.pop()
            if function in seen:
                continue
            seen.add(function)
            for node in ast.walk(function):
                if isinstance(node, ast.Constant | ast.JoinedStr):
                    text = literal_text(node)
                    if text is not None and ROUTE_DDL.match(text):
                        yield node, text, handler.name
            pending += [
                functions[name]
                for name in _called_names(function)
                if name in functions and name not in starting
            ]


def startup_roots(tree: ast.Module) -> list[_Function]:
    """Module-level functions that start the app by themselves: named like start-up code, or
    registered as a start-up or per-request hook. In source order."""
    return [
        node
        for node in tree.body
        if isinstance(node, _Function) and (STARTUP_NAME.fullmatch(node.name) or is_hook(node))
    ]


def startup_functions(tree: ast.Module) -> set[str]:
    """Names of the module-level functions that run at start-up: the roots, plus those that
    module-level code or start-up functions call."""
    functions = {n.name: n for n in tree.body if isinstance(n, _Function)}
    module_code = [n for n in tree.body if not isinstance(n, _Function | ast.ClassDef)]
    roots = startup_roots(tree)
    starting = {node.name for node in roots}
    pending: list[ast.AST] = [*module_code, *roots]
    while pending:
        for called in _called_names(pending.pop()):
            if called in functions and called not in starting:
                starting.add(called)
                pending.append(functions[called])
    return starting


def hook_name(node: _Function) -> str | None:
    """The start-up or per-request hook a decorator registers the function as, if any."""
    for decorator in node.decorator_list:
        name = decorator_name(decorator)
        if name in STARTUP_HOOKS or name in REQUEST_HOOKS:
            return name
    return None


def is_hook(node: _Function) -> bool:
    return hook_name(node) is not None


def decorator_name(node: ast.expr) -> str | None:
    """`app.before_first_request` and `app.before_first_request(...)` -> its last name."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else None


def _called_names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            yield sub.func.id


def literal_text(node: ast.Constant | ast.JoinedStr) -> str | None:
    """A string literal's text; an f-string's with `{...}` for what is known only at run time."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    parts = [v.value if isinstance(v, ast.Constant) else "{...}" for v in node.values]
    return "".join(str(p) for p in parts)
