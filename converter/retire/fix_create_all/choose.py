"""What becomes of each start-up `create_all()` call, and the import it then needs.

A call becomes `flask_migrate.upgrade()` where an app context is certain (inside
`with app.app_context():` or a Flask hook), is wrapped in `with app.app_context():` where the Flask
app is visible, and is otherwise replaced by a comment saying to run `flask db upgrade`. A call
that shares its line with other code, or whose value is used, is left for the user.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from converter.core.diagnostics import Origin
from converter.retire.callsites import (
    is_create_call,
)
from converter.retire.fix_create_all.source import Edit, FileFix, Source, insert_after, replace_node
from converter.retire.fix_create_all.tree import (
    Stack,
    binds,
    dotted_name,
    imported_from,
    is_call_of,
    statements,
)

FIX_COMMENT = '# legacy2alembic: schema now managed by Flask-Migrate: run "flask db upgrade"'
# Decorators whose functions Flask runs inside an application context.
CONTEXT_DECORATORS = frozenset({
    "before_first_request", "before_app_first_request", "before_serving", "with_appcontext",
})  # fmt: skip


def _in_app_context(outer: Stack) -> bool:
    for node in outer:
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            is_call_of(item.context_expr, "app_context") for item in node.items
        ):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _is_context_decorator(d) for d in node.decorator_list
        ):
            return True
    return False


def _is_context_decorator(node: ast.expr) -> bool:
    name = dotted_name(node)
    return name.split(".")[-1] in CONTEXT_DECORATORS or name.endswith("cli.command")


def _app_name(stmt: ast.Expr, outer: Stack, tree: ast.Module) -> str | None:
    """The name of the Flask app visible where `stmt` runs: `create_all(app=NAME)`, or the last
    `NAME = Flask(...)` before it in its function, else at module level."""
    call = stmt.value
    assert isinstance(call, ast.Call)
    for keyword in call.keywords:
        if keyword.arg == "app" and isinstance(keyword.value, ast.Name):
            return keyword.value.id
    functions = [n for n in outer if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    scopes: list[ast.AST] = [functions[-1], tree] if functions else [tree]
    for scope in scopes:
        names = [
            n for s in _own_statements(scope) if s.lineno < stmt.lineno for n in _flask_app_names(s)
        ]
        if names:
            return names[-1]
    return None


def _own_statements(scope: ast.AST) -> Iterator[ast.stmt]:
    """The statements of a module or function body, not those of functions or classes in it
    (their names are local to them)."""
    local = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for stmt, _, outer in statements(scope):
        if not any(isinstance(node, local) for node in outer):
            yield stmt


def _flask_app_names(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Assign) and is_call_of(stmt.value, "Flask"):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return []


@dataclass(frozen=True)
class Scope:
    """What the project says about its databases: the names bound to Flask-SQLAlchemy
    instances, the one Flask-Migrate manages (None: not known), and whether Migrate(app, db) is
    set up or will be added (`ready`), which upgrade() needs."""

    databases: frozenset[str]
    managed: str | None
    ready: bool


def _unsure(source: Source, stmt: ast.Expr, scope: Scope) -> str:
    """Why the call cannot be retired with certainty ("" when it can)."""
    call = stmt.value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
    if call.func.attr != "create_all":
        return ""
    receiver = call.func.value
    name = receiver.id if isinstance(receiver, ast.Name) else ""
    review = "review it by hand"
    if name not in scope.databases:
        return (
            f"`{ast.unparse(receiver)}` is not a Flask-SQLAlchemy db of the app (plain SQLAlchemy "
            f"metadata or another database?): Flask-Migrate would not build it; {review}"
        )
    if scope.managed and name != scope.managed:
        return f"Flask-Migrate manages `{scope.managed}`, not `{name}`; {review}"
    if not scope.managed and len(scope.databases) > 1:
        listed = ", ".join(sorted(scope.databases))
        return f"several Flask-SQLAlchemy databases ({listed}) and no Migrate(app, db); {review}"
    apps = sorted({n for s, _, _ in statements(source.tree) for n in _flask_app_names(s)})
    if len(apps) > 1:
        return f"several Flask apps in this file ({', '.join(apps)}); {review}"
    return ""


@dataclass(frozen=True)
class _Choice:
    stmt: ast.Expr
    body: list
    mode: str  # "upgrade" | "wrap" | "remove"
    app: str | None = None


def _choices(
    source: Source, lines: set[int], left: list[tuple[Origin, str, str]], scope: Scope
) -> list[_Choice]:
    """How each start-up call on `lines` is retired; calls that cannot be edited safely go to
    `left` with the reason."""
    choices: list[_Choice] = []
    upgraded: set[int] = set()
    found: set[int] = set()
    for stmt, body, outer in statements(source.tree):
        if not (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and is_create_call(stmt.value)
            and stmt.lineno in lines
        ):
            continue
        found.add(stmt.lineno)
        if not source.alone(stmt):
            left.append(
                (
                    Origin(source.path, stmt.lineno),
                    ast.unparse(stmt.value),
                    "shares its line with other code: edit it by hand",
                )
            )
            continue
        choice = _choose(source, stmt, body, outer, id(body) in upgraded)
        why = _unsure(source, stmt, scope) or (
            ""
            if choice.mode == "remove" or scope.ready
            else "upgrade() needs Flask-Migrate, which is not set up and cannot be added "
            "with certainty (see below)"
        )
        if why:
            left.append((Origin(source.path, stmt.lineno), ast.unparse(stmt.value), why))
            continue
        if choice.mode != "remove":
            upgraded.add(id(body))
        choices.append(choice)
    for line in sorted(lines - found):
        left.append(
            (
                Origin(source.path, line),
                source.line(line).strip(),
                "not a statement of its own (its value is used): edit it by hand",
            )
        )
    return choices


def _choose(source: Source, stmt: ast.Expr, body: list, outer: Stack, already: bool) -> _Choice:
    if already:
        return _Choice(stmt, body, "remove")
    if _in_app_context(outer):
        return _Choice(stmt, body, "upgrade")
    app = _app_name(stmt, outer, source.tree)
    return _Choice(stmt, body, "wrap", app) if app else _Choice(stmt, body, "remove")


def plan_file(
    source: Source, lines: set[int], left: list[tuple[Origin, str, str]], scope: Scope
) -> FileFix:
    """The edits that retire the start-up calls on `lines` of one file."""
    fix = FileFix(source)
    choices = _choices(source, lines, left, scope)
    call, needed = _upgrade_call(source)
    if any(choice.mode != "remove" for choice in choices):
        fix.imports.add(needed)
    removals: dict[int, list[_Choice]] = {}
    for choice in choices:
        if choice.mode == "remove":
            removals.setdefault(id(choice.body), []).append(choice)
    needs_pass = {id(group[0]) for group in removals.values() if len(group) == len(group[0].body)}
    for choice in choices:
        text = _text(source, choice, call, id(choice) in needs_pass)
        fix.edits.append(replace_node(source, choice.stmt, text))
        fix.changes.append(_describe(source, choice, call))
    return fix


def _upgrade_call(source: Source) -> tuple[str, str]:
    """(call, import): `upgrade()` from `from flask_migrate import upgrade`, unless the module
    already uses the name `upgrade` for something else."""
    if binds(source.tree, "upgrade", "flask_migrate"):
        return "flask_migrate.upgrade()", "import flask_migrate"
    return "upgrade()", "upgrade"


def _text(source: Source, choice: _Choice, call: str, pass_first: bool) -> str:
    if choice.mode == "upgrade":
        return call
    if choice.mode == "wrap":
        pad = source.indent(choice.stmt)
        return f"with {choice.app}.app_context():{source.newline}{pad}    {call}"
    return f"pass  {FIX_COMMENT}" if pass_first else FIX_COMMENT


def _describe(source: Source, choice: _Choice, call: str) -> str:
    where = f"{source.path}:{choice.stmt.lineno}: {ast.unparse(choice.stmt.value)}"
    if choice.mode == "upgrade":
        return f"{where} -> {call} (inside the app context)"
    if choice.mode == "wrap":
        return f"{where} -> {call} inside `with {choice.app}.app_context():`"
    return f"{where} -> removed, with a comment (no app context or app found to run upgrade())"


def import_edit(source: Source, wanted: set[str], before: int) -> Edit | None:
    """One import line for what `wanted` lacks, among the top-level imports above offset
    `before`: in order among the `flask...` imports, else after the last import, else after the
    docstring, else at the top."""
    module_import = "import flask_migrate" in wanted
    names = sorted(wanted - {"import flask_migrate"} - imported_from(source.tree, "flask_migrate"))
    lines = ([f"from flask_migrate import {', '.join(names)}"] if names else []) + (
        ["import flask_migrate"] if module_import else []
    )
    if not lines:
        return None
    top = [s for s in source.tree.body if source.offset(s.lineno, s.col_offset) < before]
    imports = [s for s in top if isinstance(s, (ast.Import, ast.ImportFrom))]
    flask = [s for s in imports if _module_of(s).startswith("flask")]
    later = [s for s in flask if _module_of(s) > "flask_migrate"]
    text = source.newline.join(lines)
    if later:
        at = source.starts[later[0].lineno - 1]
        return Edit(at, at, text + source.newline)
    candidates: list[ast.stmt] = [*(flask or imports)] or [s for s in top[:1] if _is_docstring(s)]
    if not candidates:
        return Edit(0, 0, text + source.newline)
    return insert_after(source, candidates[-1], text)


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _module_of(stmt: ast.Import | ast.ImportFrom) -> str:
    return (stmt.module or "") if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
