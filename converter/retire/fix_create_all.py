"""`fix-create-all`: retire application start-up `db.create_all()` in favour of Flask-Migrate.

Once the revision chain owns the schema, a `create_all()` at start-up creates tables behind
Alembic's back. Each call that runs at import or start-up becomes `flask_migrate.upgrade()` where
an app context is certain (inside `with app.app_context():` or a Flask hook), is wrapped in
`with app.app_context():` where the Flask app is visible, and is otherwise replaced by a comment
saying to run `flask db upgrade`. Calls in tests, fixtures and legacy scripts, and calls in plain
functions (which run only when someone calls them), are listed and left alone.

Files are edited at the positions `ast` reports, never by pattern over the text; every edited file
must still parse. The default is a unified diff; `--write` replaces each file atomically after
keeping its original: git holds it when the file is committed and unmodified, else `FILE.bak`.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import secrets
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.discover.sources.walk import compile_globs, join, matches, walk_tree
from converter.render.write import write_exclusive
from converter.retire.callsites import (
    CreateAllSite,
    find_create_all_calls,
    is_create_call,
    is_test_file,
)

FIX_COMMENT = '# legacy2alembic: schema now managed by Flask-Migrate: run "flask db upgrade"'
# Decorators whose functions Flask runs inside an application context.
CONTEXT_DECORATORS = frozenset({
    "before_first_request", "before_app_first_request", "before_serving", "with_appcontext",
})  # fmt: skip
BACKUP_SUFFIX = ".bak"
_NEWLINE = re.compile(r"\r\n|\r|\n")

Stack = tuple[ast.AST, ...]


# ---- source files and positions ----------------------------------------------------------------


@dataclass
class Source:
    """One Python file as read: bytes, encoding and text (newlines kept as they are)."""

    path: str
    data: bytes
    encoding: str
    text: str
    tree: ast.Module
    starts: list[int]

    @classmethod
    def read(cls, root: Path, path: str) -> Source:
        data = (root / path).read_bytes()
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding)
            tree = ast.parse(text, filename=path)
        except (SyntaxError, UnicodeDecodeError, LookupError, ValueError) as exc:
            raise InputError(f"cannot read this Python file: {exc}", Origin(path)) from None
        starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        return cls(path, data, encoding, text, tree, starts)

    @property
    def newline(self) -> str:
        found = _NEWLINE.search(self.text)
        return found.group() if found else "\n"

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its line ending."""
        end = self.starts[number] if number < len(self.starts) else len(self.text)
        return self.text[self.starts[number - 1] : end].rstrip("\r\n")

    def offset(self, line: int, byte_col: int) -> int:
        """Text offset of an `ast` position (columns are UTF-8 byte offsets)."""
        prefix = self.line(line).encode("utf-8")[:byte_col].decode("utf-8", "ignore")
        return self.starts[line - 1] + len(prefix)

    def indent(self, node: ast.stmt) -> str:
        return self.line(node.lineno)[: node.col_offset]

    def alone(self, node: ast.stmt) -> bool:
        """Nothing but indentation before it, nothing but a comment after it."""
        before = self.line(node.lineno).encode("utf-8")[: node.col_offset]
        after = self.line(node.end_lineno or node.lineno).encode("utf-8")[node.end_col_offset :]
        return not before.strip() and (not after.strip() or after.strip().startswith(b"#"))


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (offsets) with `text`."""

    start: int
    end: int
    text: str


def replace_node(source: Source, node: ast.stmt, text: str) -> Edit:
    start = source.offset(node.lineno, node.col_offset)
    end = source.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
    return Edit(start, end, text)


def insert_after(source: Source, node: ast.stmt, line: str) -> Edit:
    """A new line after the last line of `node`."""
    end_line = node.end_lineno or node.lineno
    if end_line < len(source.starts):
        return Edit(source.starts[end_line], source.starts[end_line], line + source.newline)
    return Edit(len(source.text), len(source.text), source.newline + line)


def apply_edits(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


# ---- the syntax tree ---------------------------------------------------------------------------


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


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _calls(node: ast.expr | None, name: str) -> bool:
    """`node` is a call of something named `name` (`Flask(...)`, `flask.Flask(...)`)."""
    return isinstance(node, ast.Call) and _dotted(node.func).split(".")[-1] == name


def _in_app_context(outer: Stack) -> bool:
    for node in outer:
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            _calls(item.context_expr, "app_context") for item in node.items
        ):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _is_context_decorator(d) for d in node.decorator_list
        ):
            return True
    return False


def _is_context_decorator(node: ast.expr) -> bool:
    name = _dotted(node)
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
    if isinstance(stmt, ast.Assign) and _calls(stmt.value, "Flask"):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return []


def _binds(tree: ast.Module, name: str, module: str) -> bool:
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


def _imported_from(tree: ast.Module, module: str) -> set[str]:
    return {
        a.name
        for s in tree.body
        if isinstance(s, ast.ImportFrom) and s.module == module
        for a in s.names
        if a.asname is None
    }


# ---- one file ----------------------------------------------------------------------------------


@dataclass
class FileFix:
    """The planned change of one file."""

    source: Source
    edits: list[Edit] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    changes: list[str] = field(default_factory=list)
    new: str = ""


@dataclass(frozen=True)
class _Choice:
    stmt: ast.Expr
    body: list
    mode: str  # "upgrade" | "wrap" | "remove"
    app: str | None = None


def _choices(source: Source, lines: set[int], left: list[tuple[Origin, str, str]]) -> list[_Choice]:
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


def _plan_file(source: Source, lines: set[int], left: list[tuple[Origin, str, str]]) -> FileFix:
    fix = FileFix(source)
    choices = _choices(source, lines, left)
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
    if _binds(source.tree, "upgrade", "flask_migrate"):
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


def _import_edit(source: Source, wanted: set[str], before: int) -> Edit | None:
    """One import line for what `wanted` lacks, among the top-level imports above offset
    `before`: in order among the `flask...` imports, else after the last import, else after the
    docstring, else at the top."""
    module_import = "import flask_migrate" in wanted
    names = sorted(wanted - {"import flask_migrate"} - _imported_from(source.tree, "flask_migrate"))
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
    anchor = (flask or imports or [s for s in top[:1] if _is_docstring(s)] or [None])[-1]
    return insert_after(source, anchor, text) if anchor else Edit(0, 0, text + source.newline)


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _module_of(stmt: ast.Import | ast.ImportFrom) -> str:
    return (stmt.module or "") if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name


# ---- Migrate(app, db) --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchor:
    """Where Flask-SQLAlchemy is set up on an app: `db.init_app(app)`, `db = SQLAlchemy(app)`."""

    source: Source
    stmt: ast.stmt
    app: str
    db: str


@dataclass
class MigrateSetup:
    found: Origin | None = None
    anchors: list[_Anchor] = field(default_factory=list)

    def message(self, added: bool) -> str:
        if self.found:
            return f"Flask-Migrate is set up: Migrate(...) at {self.found}"
        if added:
            anchor = self.anchors[0]
            return (
                f"Flask-Migrate is not set up yet: the change adds Migrate({anchor.app}, "
                f"{anchor.db}) after {anchor.source.path}:{anchor.stmt.lineno}"
            )
        add = "add `migrate = Migrate(app, db)`"
        if self.anchors:
            where = ", ".join(f"{a.source.path}:{a.stmt.lineno}" for a in self.anchors)
            how = f"db is bound to an app in several places ({where}): {add} next to the app's"
        else:
            how = f"no `db.init_app(app)` or `SQLAlchemy(app)` found: {add} where db meets the app"
        return (
            "Flask-Migrate is not set up (no Migrate(app, db)); `flask db upgrade` and upgrade() "
            f"need it. {how}"
        )


def find_migrate_setup(root: Path, config: Config, sources: dict[str, Source]) -> MigrateSetup:
    """Where the app sets Flask-Migrate up, or where it could be added."""
    setup = MigrateSetup()
    parsed = list(_app_sources(root, config, sources))
    databases = {name for s in parsed for name in _sqlalchemy_names(s.tree)}
    for source in parsed:
        for stmt, _, _ in statements(source.tree):
            if setup.found is None and any(
                _calls(n, "Migrate") for n in ast.walk(stmt) if isinstance(n, ast.Call)
            ):
                setup.found = Origin(source.path, stmt.lineno)
            anchor = _anchor(source, stmt, databases)
            if anchor:
                setup.anchors.append(anchor)
    return setup


def _app_sources(root: Path, config: Config, sources: dict[str, Source]) -> Iterator[Source]:
    """The project's own Python files that mention Flask-SQLAlchemy or Flask-Migrate (tests and
    legacy scripts excluded), read once."""
    legacy = compile_globs(config.py_globs)
    for folder, names in walk_tree(root, config.exclude):
        for name in names:
            path = join(folder, name)
            if not name.endswith(".py") or is_test_file(path) or matches(legacy, path):
                continue
            if path not in sources:
                data = (root / path).read_bytes()
                if not any(m in data for m in (b"Migrate", b"SQLAlchemy", b"init_app")):
                    continue
                try:
                    sources[path] = Source.read(root, path)
                except InputError:
                    continue
            yield sources[path]


def _sqlalchemy_names(tree: ast.Module) -> set[str]:
    return {
        t.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and _calls(n.value, "SQLAlchemy")
        for t in n.targets
        if isinstance(t, ast.Name)
    }


def _anchor(source: Source, stmt: ast.stmt, databases: set[str]) -> _Anchor | None:
    call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if not isinstance(call, ast.Call) or len(call.args) != 1:
        return None
    app = call.args[0]
    if not isinstance(app, ast.Name) or not source.alone(stmt):
        return None
    func = call.func
    if (
        isinstance(stmt, ast.Expr)
        and isinstance(func, ast.Attribute)
        and func.attr == "init_app"
        and isinstance(func.value, ast.Name)
        and func.value.id in databases
    ):
        return _Anchor(source, stmt, app.id, func.value.id)
    if (
        isinstance(stmt, ast.Assign)
        and _calls(call, "SQLAlchemy")
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return _Anchor(source, stmt, app.id, stmt.targets[0].id)
    return None


def _add_migrate(anchor: _Anchor, fix: FileFix) -> None:
    pad = anchor.source.indent(anchor.stmt)
    call = f"Migrate({anchor.app}, {anchor.db})"
    line = call if _binds(anchor.source.tree, "migrate", "") else f"migrate = {call}"
    fix.edits.append(insert_after(anchor.source, anchor.stmt, pad + line))
    fix.imports.add("Migrate")
    fix.changes.append(
        f"{anchor.source.path}:{(anchor.stmt.end_lineno or 0) + 1}: added "
        f"`{line}` (Flask-Migrate's `flask db` commands and upgrade() need it)"
    )


# ---- the plan ----------------------------------------------------------------------------------


@dataclass
class FixPlan:
    files: list[FileFix]
    left: list[tuple[Origin, str, str]]
    migrate: str

    def diff(self) -> str:
        chunks = []
        for fix in self.files:
            old = fix.source.text.splitlines(keepends=True)
            new = fix.new.splitlines(keepends=True)
            lines = difflib.unified_diff(old, new, f"a/{fix.source.path}", f"b/{fix.source.path}")
            chunks.append(
                "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
            )
        return "".join(chunks)

    def summary(self) -> list[str]:
        lines = [change for fix in self.files for change in fix.changes]
        lines += [f"{origin}: {call}: left alone ({why})" for origin, call, why in self.left]
        return lines + [self.migrate]


def plan_fix(root: Path, config: Config) -> FixPlan:
    """Every edit fix-create-all would make, checked to leave valid Python."""
    sites = find_create_all_calls(root, config, Diagnostics())
    left = [(s.origin, s.call, _why_left(s)) for s in sites if _why_left(s)]
    sources: dict[str, Source] = {}
    fixes: dict[str, FileFix] = {}
    for path, lines in _startup_lines(sites).items():
        sources[path] = Source.read(root, path)
        fixes[path] = _plan_file(sources[path], lines, left)
    setup = find_migrate_setup(root, config, sources)
    added = setup.found is None and len(setup.anchors) == 1
    if added:
        anchor = setup.anchors[0]
        _add_migrate(anchor, fixes.setdefault(anchor.source.path, FileFix(anchor.source)))
    files = [_finish(fix) for fix in fixes.values() if fix.edits]
    return FixPlan(files, sorted(left), setup.message(added))


def _why_left(site: CreateAllSite) -> str:
    if site.in_tests:
        return "tests and fixtures may create their schema"
    if site.in_legacy:
        return "a legacy script, not the app"
    if site.scope == "function":
        return "runs only when its function is called, not at start-up: review it by hand"
    return ""


def _startup_lines(sites: list[CreateAllSite]) -> dict[str, set[int]]:
    lines: dict[str, set[int]] = {}
    for site in sites:
        if not _why_left(site):
            lines.setdefault(site.origin.path, set()).add(site.origin.line)
    return lines


def _finish(fix: FileFix) -> FileFix:
    """Add the imports and apply the edits; the result must parse."""
    first = min(edit.start for edit in fix.edits)
    edit = _import_edit(fix.source, fix.imports, first)
    fix.new = apply_edits(fix.source.text, fix.edits + ([edit] if edit else []))
    try:
        ast.parse(fix.new, filename=fix.source.path)
    except SyntaxError as exc:  # a bug here, never the user's: refuse rather than break the file
        raise InputError(
            f"the edited file would not parse ({exc.msg}); nothing was written",
            Origin(fix.source.path, exc.lineno or 0),
        ) from None
    return fix


# ---- writing -----------------------------------------------------------------------------------


def write_fixes(root: Path, plan: FixPlan) -> list[str]:
    """Replace each planned file atomically, keeping its original (git or FILE.bak); all
    checks first, and files already replaced are put back if a later one fails."""
    from converter.retire.archive.git import is_unmodified_in_git

    backups = {
        fix.source.path: not is_unmodified_in_git(root, fix.source.path) for fix in plan.files
    }
    for fix in plan.files:
        _check_unchanged(root, fix)
        bak = root / (fix.source.path + BACKUP_SUFFIX)
        if backups[fix.source.path] and os.path.lexists(bak):
            raise InputError(f"{bak} exists; refusing to overwrite it (nothing was written)")
    done: list[FileFix] = []
    copies: list[Path] = []
    try:
        for fix in plan.files:
            if backups[fix.source.path]:
                copy = root / (fix.source.path + BACKUP_SUFFIX)
                write_exclusive(copy, fix.source.data)
                copies.append(copy)
            _replace(root / fix.source.path, fix.new.encode(fix.source.encoding))
            done.append(fix)
    except BaseException as exc:  # interrupted too: the files go back to what they were
        _put_back(root, done, copies)
        if not isinstance(exc, (OSError, UnicodeError)):
            raise
        raise InputError(f"writing failed ({exc}); the files written were put back") from None
    return [_kept_where(fix.source.path, backups[fix.source.path]) for fix in plan.files]


def _put_back(root: Path, done: list[FileFix], copies: list[Path]) -> None:
    """Restore the replaced files, then drop the backups made for them (equal to them now)."""
    for fix in reversed(done):
        _replace(root / fix.source.path, fix.source.data)
    for copy in copies:
        if copy.is_file():
            copy.unlink()


def _check_unchanged(root: Path, fix: FileFix) -> None:
    if (root / fix.source.path).read_bytes() != fix.source.data:
        raise InputError(
            f"{fix.source.path} changed while it was being read; run again (nothing was written)"
        )


def _kept_where(path: str, backup: bool) -> str:
    if backup:
        return f"wrote {path} (the original is {path}{BACKUP_SUFFIX})"
    return (
        f"wrote {path} (the original is in git: `git diff -- {path}`, undo with "
        f"`git checkout -- {path}`)"
    )


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write_exclusive(temp, data)
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
