"""Reading an application file as a legacy source: only the code that runs at start-up.

A script runs top to bottom and every function it defines may be a runner's entry point; an app
file is different: its routes and services run per request, and only its start-up code changed
the schema (docs/decisions.md). So the walk runs the module body (as importing the app does,
`__main__` block included), then each start-up function it did not call (named like one, or
registered as a hook, nested in the app factory or not), following what they call as for a
script. A hook run before *each* request belongs to it only when it runs DDL (a "done once"
schema check); otherwise its queries are per-request work. Request handlers holding DDL are
walked last, and of what they run only idempotent schema creation is kept (`extract/routes.py`).
What start-up code of *another* app file runs (`app = create_app()` in `wsgi.py`) is that file's
source, not this one's.
"""

from __future__ import annotations

import ast
import functools
from pathlib import PurePosixPath

from converter.core.diagnostics import Diagnostics, Level
from converter.discover.startup import (
    APP_FILES,
    DDL,
    REQUEST_HOOKS,
    hook_name,
    is_route,
    routes_with_ddl,
    startup_ddl,
    startup_functions,
    startup_roots,
)
from converter.extract.dbcalls import DatabaseCalls
from converter.extract.definitions import Definitions
from converter.extract.project import ProjectCalls
from converter.extract.routes import (
    CONVERT,
    DATA,
    RouteStatement,
    one_line,
    report_route_ddl,
    route_verdict,
)
from converter.extract.values import External, FunctionRef, Unknown
from converter.ir.statements import CreateAllCall, Item, Statement


class StartupCode(ProjectCalls, DatabaseCalls, Definitions):
    """The start-up entry points of an application file (`run_startup`). `ran_by`: the code
    that ran each SQL text ("create_app", "ensure_schema, called from create_app")."""

    startup = False
    # The other legacy sources: what they run is converted with them, never again here.
    sources: frozenset[str] = frozenset()
    hooks: list[FunctionRef]
    ran_by: dict[str, str]
    routes: list[FunctionRef]  # request handlers met on the way (module level or in a factory)
    route_ddl: list[RouteStatement]  # the DDL they run, converted or listed

    def run_startup(self, tree: ast.Module) -> list[Item]:
        """Module code, then the start-up functions and hooks it did not call, in source order;
        then the request handlers that hold DDL."""
        self.startup, self.hooks, self.ran_by = True, [], {}
        self.routes, self.route_ddl = [], []
        self.exec_block(tree.body)
        roots = [self.lookup(node.name) for node in startup_roots(tree)]
        pending = [ref for ref in roots if isinstance(ref, FunctionRef)]
        while pending:
            ref = pending.pop(0)
            if ref.node not in self.called:
                self._run_entry(ref)
            pending += [hook for hook in self.hooks if hook.node not in self.called]
            self.hooks = []
        self._run_routes(routes_with_ddl(tree))
        return self.items

    def _run_routes(self, handlers: set[str]) -> None:
        """Each request handler holding DDL, called with unknown (request) arguments: of what it
        runs, idempotent schema creation is kept (once), other DDL is listed, data dropped, and
        so are the notes about what was dropped."""
        done = {i.sql for i in self.items if isinstance(i, Statement)}
        for ref in self.routes:
            if ref.node.name not in handlers or ref.node in self.called:
                continue
            items_at, notes_at = self._mark()
            self.call_entry(ref, "filled by the request")
            ran, notes = self.items[items_at:], self.notes[notes_at:]
            del self.items[items_at:], self.notes[notes_at:]
            kept: set[int] = set()
            for item in ran:
                verdict = route_verdict(item)
                if verdict == DATA:
                    continue
                repeat = isinstance(item, Statement) and item.sql in done
                self.route_ddl.append(RouteStatement(item, ref.node.name, verdict, repeat))
                if verdict == CONVERT and not repeat:
                    self.items.append(item)
                    kept.add(item.origin.line)
                    if isinstance(item, Statement):
                        done.add(item.sql)
            self.notes += [note for note in notes if note[1].line in kept]

    def _run_entry(self, ref: FunctionRef) -> None:
        """Call a start-up function with unknown arguments; a per-request hook's SQL is kept
        only when it runs DDL."""
        mark = self._mark()
        self.call_entry(ref, "run at start-up")
        if hook_name(ref.node) in REQUEST_HOOKS and not _runs_ddl(self.items[mark[0] :]):
            self._rollback(mark)

    def _exec_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        super()._exec_FunctionDef(stmt)
        ref = self.lookup(stmt.name)
        if self.startup and hook_name(stmt) is not None and isinstance(ref, FunctionRef):
            self.hooks.append(ref)
        if self.startup and is_route(stmt) and isinstance(ref, FunctionRef):
            self.routes.append(ref)

    _exec_AsyncFunctionDef = _exec_FunctionDef

    def _emit_sql(
        self, sql: str, params: object, is_text: bool, line: int, stmt: ast.stmt | None
    ) -> object:
        before = len(self.items)
        result = super()._emit_sql(sql, params, is_text, line, stmt)
        if self.startup:
            scope = self._scope()
            for item in self.items[before:]:
                if isinstance(item, Statement):
                    self.ran_by.setdefault(item.sql, scope)
        return result

    def _scope(self) -> str:
        """The function running now, and the start-up function that called it."""
        names = []
        frame = self.frame
        while frame.parent is not None:
            names.append(frame.name)
            frame = frame.parent
        if not names:
            return "module level"
        if len(names) == 1:
            return names[0]
        return f"{names[0]}, called from {names[-1]}"

    def apply(
        self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call | None
    ) -> object:
        if self.startup and isinstance(func, External) and node is not None:
            found = self.project_function(func.qualname)
            module = self.defined_in.get(found.node) if found is not None else None
            if found is not None and module is not None:
                why = self._converted_with(found, module.path, module.source)
                if why:
                    self.note(
                        Level.INFO,
                        node.lineno,
                        f"{found.node.name}() is {why}, converted with that file: not "
                        "followed here",
                    )
                    return Unknown(f"{found.node.name}() of {module.path}")
        return super().apply(func, args, kwargs, node)

    def _converted_with(self, fn: FunctionRef, path: str, source: str) -> str:
        """Why a function of another module is converted there, or ""."""
        if path in self.sources:
            return f"defined in {path}, a legacy source"
        if fn.node.name in _converted_there(path, source):
            return f"start-up code of {path}"
        return ""


@functools.lru_cache(maxsize=64)
def _converted_there(path: str, source: str) -> frozenset[str]:
    """The start-up functions of another app file that is a start-up source of its own."""
    if not APP_FILES.fullmatch(PurePosixPath(path).name):
        return frozenset()
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError):
        return frozenset()
    if not startup_ddl(tree, path):
        return frozenset()
    return frozenset(startup_functions(tree))


def _runs_ddl(items: list) -> bool:
    return any(isinstance(i, Statement) and DDL.match(i.sql) for i in items)


def startup_items(
    items: list[Item],
    scopes: dict[str, str],
    path: str,
    diags: Diagnostics,
    routes: list[RouteStatement] | None = None,
) -> list[Item]:
    """What start-up code and request handlers run, less `create_all()` (the models build those
    tables: they are the baseline, and fix-create-all retires the call); each DDL statement is
    warned about, since the app keeps running it until it is removed, and so is each DDL
    statement of a request handler (`routes`), converted or not."""
    routes = routes or []
    revision = f"start-up DDL of {path}"
    report_route_ddl(routes, revision, diags)
    lazy = {ddl.item for ddl in routes}
    kept: list[Item] = []
    for item in items:
        if item in lazy:
            kept.append(item)
            continue
        if isinstance(item, CreateAllCall):
            diags.info(
                item.origin,
                f"{item.call} at start-up builds the models' tables: not converted (the "
                "baseline holds them; see legacy2alembic fix-create-all)",
                code="L2A202",
            )
            continue
        kept.append(item)
        if isinstance(item, Statement) and item.ignored is None and DDL.match(item.sql):
            scope = scopes.get(item.sql, "module level")
            diags.warning(
                item.origin,
                f"DDL in start-up code ({scope}) runs at every start-up: converted into the "
                f'revision "{revision}"; remove it from the app once the chain '
                f"is in place: {one_line(item.sql)}",
                code="L2A504",
            )
    return kept
