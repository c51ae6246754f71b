"""The SQL a legacy Python script sends to the database, found by reading it (never running it).

`ScriptWalker` interprets the module statically, in execution order: module body first (with
`__name__ == "__main__"`), following calls into the script's own functions, unrolling loops over
literal lists and taking only the branch a dialect test selects for the target. Database calls
(`execute`, `executescript`, `executemany`, `exec_driver_sql`, `create_all`, `__table__.create`)
become `Item`s; what cannot be folded becomes a `ManualCode` with the original code. The walker is
assembled here from one mixin per kind of statement or call.
"""

from __future__ import annotations

import ast
import os.path
import re
from pathlib import Path

from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.core.dialects import Dialect
from converter.core.errors import InputError
from converter.extract.dbcalls import DatabaseCalls
from converter.extract.definitions import Definitions
from converter.extract.guards import Guards
from converter.extract.loops import Loops
from converter.extract.ports import data_port
from converter.extract.project import ProjectCalls
from converter.extract.sql import check_dialect, starts_like_sql
from converter.extract.startup import StartupCode, startup_items
from converter.extract.walker import effective
from converter.ir.statements import Item


def extract_python(
    text: str,
    path: str,
    dialect: Dialect,
    root: Path,
    diags: Diagnostics,
    *,
    startup: bool = False,
    sources: frozenset[str] = frozenset(),
) -> list[Item]:
    """Items of one legacy Python script, in the order the script would run them; of an
    application file (`startup`), only what its start-up code runs, without what it calls
    in the other legacy `sources`."""
    check_dialect(dialect)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        raise InputError(
            f"Python syntax error: {e.msg}{_py2_hint(e)}", Origin(path, e.lineno or 0)
        ) from None
    except ValueError as e:
        raise InputError(f"Python syntax error: {e}", Origin(path, 1)) from None
    port = None if startup else data_port(tree)
    if port:
        diags.warning(
            Origin(path, 1),
            f"the script copies rows between databases ({' and '.join(port)}): a data port, "
            "not a schema migration; not converted (run it again after the chain if you need it)",
            code="L2A206",
        )
        return []
    script = Path(os.path.normpath(root.resolve() / path))
    walker = ScriptWalker(text, path, dialect, root, script)
    walker.sources = sources
    try:
        items = walker.run_startup(tree) if startup else walker.run(tree)
    except RecursionError:
        raise InputError(
            "nested too deeply to read statically: convert this statement by hand",
            Origin(path, walker.line),
        ) from None
    for level, origin, message in walker.notes:
        diags.add(level, origin, message, _NOTE_CODES[level])
    if startup:
        return startup_items(items, walker.ran_by, path, diags, walker.route_ddl)
    return items


# What reading a script statically had to say, by level (see docs/diagnostics.md).
_NOTE_CODES = {
    Level.INFO: "L2A202",
    Level.WARNING: "L2A203",
    Level.TODO: "L2A204",
    Level.ERROR: "L2A204",
}


def _py2_hint(error: SyntaxError) -> str:
    """Old legacy scripts are often Python 2; legacy2alembic reads Python 3 only."""
    line = error.text or ""
    if (
        error.msg.startswith("Missing parentheses")
        or re.match(r"\s*(print|exec)\s+[^(=]", line)
        or re.search(r"except\s+[\w.]+\s*,\s*\w+\s*:", line)
    ):
        return (
            " (this looks like Python 2: legacy2alembic reads scripts as Python 3; port the "
            "file with `2to3 -w`, or list it under exclude in [tool.legacy2alembic] and "
            "convert its SQL by hand)"
        )
    return ""


class ScriptWalker(StartupCode, ProjectCalls, DatabaseCalls, Guards, Loops, Definitions):
    """Static interpreter of one script: statements, branches, loops, definitions and calls."""

    def run(self, tree: ast.Module) -> list[Item]:
        """Walk the module as `python script.py` would, then the functions it never calls."""
        self.exec_block(tree.body)
        self._scan_uncalled()
        if not effective(self.items):
            self._declared_sql()
        return self.items

    def _declared_sql(self) -> None:
        """A module that runs nothing but hands its SQL to a runner (`MIGRATIONS = [...]`,
        `def up(): return MIGRATIONS`): the list `up()` returns, else the module's list."""
        found = [
            (ref.node.lineno, f"{ref.node.name}() returns", value)
            for ref, value in self.returned
            if _UP_NAME.match(ref.node.name)
        ]
        if not found:
            found = [
                (self.line, f"{name} lists", value)
                for name, value in self.globals.items()
                if _UP_LIST.match(name) and not _DOWN.search(name)
            ]
        for line, what, value in found:
            if _sql_list(value):
                self._run_declared(line, what, value)  # type: ignore[arg-type]
                return

    def _run_declared(self, line: int, what: str, statements: list[str]) -> None:
        self.note(
            Level.INFO,
            line,
            f"the script runs no SQL itself: {what} {len(statements)} statement(s) for a "
            "runner to execute; converted in that order",
        )
        for sql in statements:
            self._emit_sql(sql, None, False, line, None)


_UP_NAME = re.compile(r"(?:up|upgrade|forward|apply|migrate|get_migrations?)$", re.IGNORECASE)
_UP_LIST = re.compile(r"[A-Z_]*(?:MIGRATIONS?|UPGRADES?|STATEMENTS|QUERIES|SQL|DDL)$")
_DOWN = re.compile(r"DOWN|ROLLBACK|REVERT|UNDO")


def _sql_list(value: object) -> bool:
    """A non-empty list of strings that each start like a schema or data statement."""
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(v, str) and starts_like_sql(v) for v in value)
    )
