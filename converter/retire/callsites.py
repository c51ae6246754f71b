"""Find the `create_all()` and `X.__table__.create()` calls of a project.

Once Alembic owns the schema these calls must go (or move to tests): a `create_all()` that runs at
import or at start-up silently creates tables the revision chain then fails to create. The files
are read with `ast`, never imported.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, replace
from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.core.files import read_project_file
from converter.discover.classify import is_main_guard, named_like_migration
from converter.discover.startup import STARTUP_HOOKS, STARTUP_NAME, decorator_name
from converter.discover.walk import compile_globs, join, matches, walk_tree

MARKERS = (b"create_all", b"__table__.create")
TEST_FOLDERS = frozenset({"tests", "test"})
MAX_CALL_TEXT = 120


@dataclass(frozen=True)
class CreateAllSite:
    """One call. `scope`: "module" (runs at import), "startup" (app factory, `__main__` block,
    module-level `with app.app_context()`, init/setup function), "function" (runs when called)
    or "legacy helper" (a function only legacy scripts call: `in_legacy` too)."""

    origin: Origin
    call: str
    in_tests: bool
    in_legacy: bool
    scope: str
    function: str | None = None  # the module-level function it is in


def find_create_all_calls(root: Path, config: Config, diags: Diagnostics) -> list[CreateAllSite]:
    """Every call in the project's .py files, tests included, sorted by path and line."""
    legacy = compile_globs(config.py_globs)
    exclude = [p for p in config.exclude if p.strip("/") not in TEST_FOLDERS]
    sites: list[CreateAllSite] = []
    files: list[str] = []
    for folder, names in walk_tree(root, exclude):
        for name in names:
            if name.endswith(".py"):
                files.append(join(folder, name))
                sites.extend(_sites_in(root, files[-1], legacy, diags))
    sites = _legacy_helpers(root, files, sites, legacy)
    return sorted(sites, key=lambda s: (s.origin.path, s.origin.line, s.call))


def _legacy_helpers(
    root: Path, files: list[str], sites: list[CreateAllSite], legacy: re.Pattern[str] | None
) -> list[CreateAllSite]:
    """A call inside a function (`init_db()` of `database.py`) that only legacy scripts and tests
    call runs when those run, not at the app's start-up: it is theirs. A function named nowhere
    else is left as it is (its callers are unknown)."""
    helpers = {
        (s.origin.path, s.function)
        for s in sites
        if s.function and not s.in_tests and not s.in_legacy and s.scope != "module"
    }
    if not helpers:
        return sites
    callers: dict[tuple[str, str], set[str]] = {h: set() for h in helpers}
    for path in files:
        try:
            data = read_project_file(root, path)
        except InputError:
            continue
        for key in helpers:
            if _calls(data, key[1], own=path == key[0]):
                callers[key].add(path)
    theirs = {
        key
        for key, found in callers.items()
        if found and all(_is_legacy_file(p, legacy) or is_test_file(p) for p in found)
    }
    return [
        replace(s, in_legacy=True, scope="legacy helper")
        if (s.origin.path, s.function) in theirs
        else s
        for s in sites
    ]


def _calls(data: bytes, function: str, *, own: bool) -> bool:
    """Whether the text calls `function` (its own module: other than in its `def` line)."""
    calls = len(re.findall(rb"\b" + re.escape(function.encode()) + rb"\s*\(", data))
    defines = len(re.findall(rb"\bdef\s+" + re.escape(function.encode()) + rb"\s*\(", data))
    return calls > (defines if own else 0)


def _is_legacy_file(path: str, legacy: re.Pattern[str] | None) -> bool:
    """A legacy script by the py-globs or by its name (as the default discovery reads them)."""
    return matches(legacy, path) or named_like_migration(path.rpartition("/")[2])


def _sites_in(
    root: Path, path: str, legacy: re.Pattern[str] | None, diags: Diagnostics
) -> list[CreateAllSite]:
    parsed = _parse(root, path, diags)
    if parsed is None:
        return []
    tree, text = parsed
    finder = _CallFinder()
    finder.visit(tree)
    in_tests, in_legacy = is_test_file(path), matches(legacy, path)
    return [
        CreateAllSite(
            Origin(path, node.lineno), _call_text(text, node), in_tests, in_legacy, scope, function
        )
        for node, scope, function in finder.found
    ]


def _parse(root: Path, path: str, diags: Diagnostics) -> tuple[ast.Module, str] | None:
    """The module's AST and text; None (with a warning when it is broken) when there is no call.
    Symlinks out of the project, FIFOs and huge files are not read (warned about)."""
    try:
        data = read_project_file(root, path)
    except InputError as exc:
        diags.warning(Origin(path), f"{exc.message}: create_all calls not checked", code="L2A501")
        return None
    if not any(marker in data for marker in MARKERS):
        return None
    try:
        text = importlib.util.decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        origin = Origin(path, _decode_error_line(data, exc))
        diags.warning(origin, f"cannot decode ({exc}): create_all calls not checked", code="L2A502")
        return None
    try:
        return ast.parse(text, filename=path), text
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        message = getattr(exc, "msg", None) or str(exc)
        diags.warning(
            Origin(path, line),
            f"cannot parse ({message}): create_all calls not checked",
            code="L2A503",
        )
        return None


def _decode_error_line(data: bytes, exc: Exception) -> int:
    start = getattr(exc, "start", None)
    return data.count(b"\n", 0, start) + 1 if isinstance(start, int) else 0


def is_test_file(path: str) -> bool:
    """Under a tests/ or test/ folder, or named like a pytest module or conftest."""
    *folders, name = path.split("/")
    return (
        any(f in TEST_FOLDERS for f in folders)
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _call_text(text: str, node: ast.Call) -> str:
    segment = " ".join((ast.get_source_segment(text, node) or ast.unparse(node)).split())
    return segment if len(segment) <= MAX_CALL_TEXT else segment[: MAX_CALL_TEXT - 3] + "..."


def is_create_call(node: ast.Call) -> bool:
    """`<anything>.create_all(...)` or `X.__table__.create(...)`."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "create_all":
        return True
    return (
        func.attr == "create"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "__table__"
    )


class _CallFinder(ast.NodeVisitor):
    """Collects create calls with the scope they run in."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Call, str, str | None]] = []
        self._scope = "module"
        self._function: str | None = None  # the module-level function being visited

    def visit_Call(self, node: ast.Call) -> None:
        if is_create_call(node):
            self.found.append((node, self._scope, self._function))
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for outer in (*node.decorator_list, node.args, node.returns):
            if outer is not None:
                self.visit(outer)
        outer_function = self._function
        self._function = outer_function or node.name
        self._within("startup" if _is_startup_function(node) else "function", node.body)
        self._function = outer_function

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self._within("function", [node.body])

    def visit_If(self, node: ast.If) -> None:
        if self._scope == "module" and is_main_guard(node.test):
            self.visit(node.test)
            self._within("startup", node.body)
            self._within(self._scope, node.orelse)
        else:
            self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        if self._scope == "module" and any(_is_app_context(i.context_expr) for i in node.items):
            for item in node.items:
                self.visit(item)
            self._within("startup", node.body)
        else:
            self.generic_visit(node)

    def _within(self, scope: str, body: list[ast.stmt] | list[ast.expr]) -> None:
        outer, self._scope = self._scope, scope
        for child in body:
            self.visit(child)
        self._scope = outer


def _is_startup_function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if STARTUP_NAME.fullmatch(node.name):
        return True
    return any(decorator_name(d) in STARTUP_HOOKS for d in node.decorator_list)


def _is_app_context(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "app_context"
    )
