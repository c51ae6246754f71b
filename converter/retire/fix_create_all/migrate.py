"""Finding the app's `Migrate(app, db)` setup, or adding it where db meets the app.

`flask db upgrade` and `upgrade()` need Flask-Migrate set up; it is added only where exactly one
`db.init_app(app)` or `db = SQLAlchemy(app)` says where, and otherwise the user is told.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Origin
from converter.core.errors import InputError
from converter.discover.walk import compile_globs, join, matches, walk_tree
from converter.retire.callsites import (
    is_test_file,
)
from converter.retire.fix_create_all.source import FileFix, Source, insert_after
from converter.retire.fix_create_all.tree import binds, is_call_of, statements


@dataclass(frozen=True)
class _Anchor:
    """Where Flask-SQLAlchemy is set up on an app: `db.init_app(app)`, `db = SQLAlchemy(app)`."""

    source: Source
    stmt: ast.stmt
    app: str
    db: str


@dataclass
class MigrateSetup:
    """Where Migrate(app, db) is (`found`, managing `managed`), where it could go (`anchors`),
    and every name bound to a Flask-SQLAlchemy instance in the app (`databases`)."""

    found: Origin | None = None
    anchors: list[_Anchor] = field(default_factory=list)
    databases: set[str] = field(default_factory=set)
    managed: str | None = None

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
    databases = setup.databases = {name for s in parsed for name in _sqlalchemy_names(s.tree)}
    for source in parsed:
        for stmt, _, _ in statements(source.tree):
            migrate = next(
                (n for n in ast.walk(stmt) if isinstance(n, ast.Call) and is_call_of(n, "Migrate")),
                None,
            )
            if setup.found is None and migrate is not None:
                setup.found = Origin(source.path, stmt.lineno)
                setup.managed = _migrate_db(migrate)
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


def _migrate_db(call: ast.Call) -> str | None:
    """The db name of `Migrate(app, db)` / `Migrate(app, db=db)`; None when not a plain name."""
    args = call.args[1:2] + [k.value for k in call.keywords if k.arg == "db"]
    return args[0].id if args and isinstance(args[0], ast.Name) else None


def _sqlalchemy_names(tree: ast.Module) -> set[str]:
    return {
        t.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and is_call_of(n.value, "SQLAlchemy")
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
        and is_call_of(call, "SQLAlchemy")
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return _Anchor(source, stmt, app.id, stmt.targets[0].id)
    return None


def add_migrate(anchor: _Anchor, fix: FileFix) -> None:
    """Add `migrate = Migrate(app, db)` after the anchor, and its import, to `fix`."""
    pad = anchor.source.indent(anchor.stmt)
    call = f"Migrate({anchor.app}, {anchor.db})"
    line = call if binds(anchor.source.tree, "migrate", "") else f"migrate = {call}"
    fix.edits.append(insert_after(anchor.source, anchor.stmt, pad + line))
    fix.imports.add("Migrate")
    fix.changes.append(
        f"{anchor.source.path}:{(anchor.stmt.end_lineno or 0) + 1}: added "
        f"`{line}` (Flask-Migrate's `flask db` commands and upgrade() need it)"
    )
