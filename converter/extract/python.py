"""The SQL a legacy Python script sends to the database, found by reading it (never running it).

`ScriptWalker` interprets the module statically, in execution order: module body first (with
`__name__ == "__main__"`), following calls into the script's own functions, unrolling loops over
literal lists and taking only the branch a dialect test selects for the target. Database calls
(`execute`, `executescript`, `executemany`, `exec_driver_sql`, `create_all`, `__table__.create`)
become `Item`s; what cannot be folded becomes a `ManualCode` with the original code.
"""

from __future__ import annotations

import ast
import os.path
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.core.errors import InputError
from converter.extract.fold import (
    MISSING,
    NOT_HANDLED,
    DbRef,
    Evaluator,
    External,
    FileHandle,
    FunctionRef,
    Imported,
    ModelClass,
    SourceText,
    TableRef,
    Unknown,
    binop,
    family,
    find_unknown,
    is_db_name,
)
from converter.extract.sql import (
    NotLiteral,
    check_dialect,
    classify_lexical,
    inline_params,
    split_sql,
)
from converter.ir.statements import CreateAllCall, Flag, Item, ManualCode, Statement

MAX_STEPS = 100_000
_SCHEMA_HEAD = re.compile(r"\s*(?:ALTER|DROP|CREATE|RENAME)\b", re.IGNORECASE)
_EXECUTE_METHODS = frozenset(("execute", "executescript", "executemany", "exec_driver_sql"))
_TEXT_WRAPPERS = frozenset(("text", "DDL"))
_EXIT_CALLS = frozenset(("sys.exit", "exit", "quit", "os._exit"))
_NOT_MODEL_MODULES = frozenset(sys.stdlib_module_names) | {
    "sqlalchemy", "flask", "flask_sqlalchemy", "flask_migrate", "flask_login", "flask_wtf",
    "alembic", "werkzeug", "dotenv", "click", "psycopg2", "psycopg", "pymysql", "MySQLdb",
    "pydantic", "marshmallow", "wtforms", "celery", "redis", "requests", "yaml", "jinja2",
}  # fmt: skip
_GUARD_WORDS = re.compile(r"duplicate|already|exists|no such", re.IGNORECASE)
_NOT_MODEL_NAMES = frozenset(("Base", "Model", "DeclarativeBase", "Flask", "Config", "Session"))
_DIALECT_HINTS = {
    "sqlite": re.compile(
        r"\bautoincrement\b|\bpragma\b|\bsqlite_\w+|\binsert\s+or\s+(?:replace|ignore)\b"
        r"|\bwithout\s+rowid\b",
        re.IGNORECASE,
    ),
    "postgres": re.compile(
        r"\b(?:big|small)?serial\b|::\w|\bjsonb\b|\bbytea\b|\btimestamptz\b|\bilike\b"
        r"|\bconcurrently\b|\bcreate\s+extension\b|\$\$|\balter\s+column\s+\S+\s+(?:set\s+data\s+)?type\b"
        r"|\bgenerated\s+(?:always|by\s+default)\s+as\s+identity\b",
        re.IGNORECASE,
    ),
    "mysql": re.compile(
        r"`|\bauto_increment\b|\bengine\s*=|\bmodify\s+(?:column\s+)?\w|\bchange\s+column\b"
        r"|\bunsigned\b|\bon\s+duplicate\s+key\b|\bcharset\b",
        re.IGNORECASE,
    ),
}


def extract_python(
    text: str, path: str, dialect: str, root: Path, diags: Diagnostics
) -> list[Item]:
    """Items of one legacy Python script, in the order the script would run them."""
    check_dialect(dialect)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        raise InputError(
            f"Python syntax error: {e.msg}{_py2_hint(e)}", Origin(path, e.lineno or 0)
        ) from None
    except ValueError as e:
        raise InputError(f"Python syntax error: {e}", Origin(path, 1)) from None
    script = Path(os.path.normpath(root.resolve() / path))
    walker = ScriptWalker(text, path, dialect, root, script)
    items = walker.run(tree)
    for level, origin, message in walker.notes:
        diags.add(level, origin, message)
    return items


@dataclass
class Frame:
    """One running function: where it was called from, and which locals came from parameters."""

    name: str
    params: set[str] = field(default_factory=set)
    tainted: set[str] = field(default_factory=set)
    globals_declared: set[str] = field(default_factory=set)
    call_node: ast.Call | None = None
    call_stmt: ast.stmt | None = None
    call_names: set[str] = field(default_factory=set)
    parent: Frame | None = None
    owner: str | None = None
    stmt: ast.stmt | None = None
    maybe_return: bool = False


@dataclass
class Signal:
    """How a block ended early: return, raise, break, continue, or "guard" (rest is guarded)."""

    kind: str
    value: object = None


@dataclass(frozen=True)
class Alternative:
    """Items [start, end) a branch ran before leaving the function early (lines line-last)."""

    start: int
    end: int
    line: int
    last: int
    why: str


def _names(node: ast.AST | None) -> frozenset[str]:
    if node is None:
        return frozenset()
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _swallows(handler: ast.ExceptHandler) -> bool:
    """Whether an except handler lets the script go on (it does not re-raise or exit)."""
    last = handler.body[-1] if handler.body else None
    if isinstance(last, ast.Raise):
        return False
    return not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                and _dotted(last.value.func) in _EXIT_CALLS)  # fmt: skip


def _effective(items: list[Item]) -> bool:
    """Whether items change the database (anything but ignored statements)."""
    return any(not isinstance(i, Statement) or i.ignored is None for i in items)


def _with_flag(items: list[Item], flag: Flag) -> list[Item]:
    return [replace(i, flags=i.flags | {flag}) if isinstance(i, Statement) else i for i in items]


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


def _other_dialect_in_name(name: str, dialect: str) -> str | None:
    """The dialect a function's name is for (`_migrate_postgresql`, `upgrade_sqlite`), when it
    names only dialects other than `dialect`; such functions are per-dialect variants picked at
    run time (`getattr(self, "_migrate_" + engine.name)`)."""
    named = {family(word) for word in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name)} - {None}
    return None if not named or dialect in named else ", ".join(sorted(named))  # type: ignore[arg-type]


def _dialect_score(items: list[Item], dialect: str) -> int:
    """+1 when the SQL is recognisably for `dialect` only, -1 when only for others, else 0."""
    hints: set[str] = set()
    for item in items:
        if isinstance(item, Statement) and item.ignored is None:
            hints |= {name for name, rx in _DIALECT_HINTS.items() if rx.search(item.sql)}
    return int(dialect in hints) - int(bool(hints - {dialect}))


def _snake_case(name: str) -> str:
    """Flask-SQLAlchemy's default table name for a model class (CamelCase -> camel_case)."""
    out = []
    for i, char in enumerate(name):
        prev, nxt = name[i - 1 : i], name[i + 1 : i + 2]
        if char.isupper() and i and (prev.islower() or prev.isdigit() or nxt.islower()):
            out.append("_")
        out.append(char.lower())
    return "".join(out)


class ScriptWalker(Evaluator):
    """Static interpreter of one script's statements; collects Items and diagnostics."""

    def __init__(self, source: str, path: str, dialect: str, root: Path, script: Path) -> None:
        super().__init__(source, script, root, dialect)
        self.path = path
        self.items: list[Item] = []
        self.notes: list[tuple[Level, Origin, str]] = []
        self.flags: frozenset[Flag] = frozenset()
        self.autocommit = False
        self.frame = Frame("<module>")
        self.called: set[ast.AST] = set()
        self.active: set[ast.AST] = set()
        self.skipped_names: set[str] = set()
        self.defined: list[FunctionRef] = []
        self.methods: dict[tuple[str, str], FunctionRef] = {}
        self.models_defined: dict[str, ModelClass] = {}
        self.models_imported: list[str] = []
        self.steps = 0
        self.exhausted = False
        self._names_cache: dict[ast.AST, frozenset[str]] = {}

    def run(self, tree: ast.Module) -> list[Item]:
        """Walk the module as `python script.py` would, then the functions it never calls."""
        self.exec_block(tree.body)
        self._scan_uncalled()
        return self.items

    # --- diagnostics and items -----------------------------------------------------------------

    def names(self, node: ast.AST | None) -> frozenset[str]:
        """Names used in a node, memoised: the same call sites are asked about repeatedly."""
        if node is None:
            return frozenset()
        if node not in self._names_cache:
            self._names_cache[node] = _names(node)
        return self._names_cache[node]

    def note(self, level: Level, line: int, message: str) -> None:
        self.notes.append((level, Origin(self.path, line), message))

    def manual(self, stmt: ast.AST | None, line: int, reason: str) -> None:
        """Carry code that cannot be converted, once, with a TODO diagnostic."""
        code = (ast.get_source_segment(self.source, stmt) if stmt is not None else None) or ""
        item = ManualCode(Origin(self.path, line), code, reason)
        if item not in self.items:
            self.items.append(item)
            self.note(Level.TODO, line, f"port by hand: {reason}")

    def out_of_budget(self, line: int) -> bool:
        """True once the walk has run too long; warns once that SQL may be missing."""
        if self.steps <= MAX_STEPS:
            return False
        if not self.exhausted:
            self.exhausted = True
            self.note(
                Level.WARNING,
                line,
                "the script is too complex to follow completely: "
                "calls and loops after this point were not followed, SQL may be missing",
            )
        return True

    def _mark(self) -> tuple[int, int]:
        return len(self.items), len(self.notes)

    def _rollback(self, mark: tuple[int, int]) -> list[Item]:
        removed = self.items[mark[0] :]
        del self.items[mark[0] :], self.notes[mark[1] :]
        return removed

    # --- statements ----------------------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt]) -> Signal | None:
        """Run statements in order until one ends the block; "guard" guards the rest.

        A guard whose branch ran SQL of its own before leaving early (`if not rows: DROP TABLE
        old; return`) is an alternative path: when the rest of the block runs SQL too, the rest
        is the migration and the branch is left out, with a warning."""
        saved = self.flags
        alternatives: list[tuple[Alternative, int]] = []
        try:
            for stmt in body:
                signal = self.exec_stmt(stmt)
                if signal is not None and signal.kind == "guard":
                    self.flags = self.flags | {Flag.GUARDED}
                    if isinstance(signal.value, Alternative):
                        alternatives.append((signal.value, len(self.items)))
                elif signal is not None:
                    self._settle_alternatives(alternatives)
                    return signal
        finally:
            self.flags = saved
        self._settle_alternatives(alternatives)
        return None

    def _settle_alternatives(self, alternatives: list[tuple[Alternative, int]]) -> None:
        for alternative, rest in reversed(alternatives):
            if not _effective(self.items[rest:]):
                continue
            del self.items[alternative.start : alternative.end]
            self.note(
                Level.WARNING,
                alternative.line,
                f"the branch at lines {alternative.line}-{alternative.last} runs SQL of its "
                "own and leaves early when a condition known only at run time holds "
                f"({alternative.why}); the rest of the script is converted instead: port "
                "the branch by hand if a database took it",
            )

    def exec_stmt(self, stmt: ast.stmt) -> Signal | None:
        self.frame.stmt = stmt
        self.steps += 1
        handler = getattr(self, f"_exec_{type(stmt).__name__}", None)
        if handler is not None:
            return handler(stmt)  # type: ignore[no-any-return]
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.eval(child)
        return None

    def _exec_Expr(self, stmt: ast.Expr) -> Signal | None:
        self.eval(stmt.value)
        if isinstance(stmt.value, ast.Call) and _dotted(stmt.value.func) in _EXIT_CALLS:
            return Signal("raise")
        return None

    def _exec_Assign(self, stmt: ast.Assign) -> None:
        value = self.eval(stmt.value)
        for target in stmt.targets:
            self._assign(target, value, stmt.value)

    def _exec_AnnAssign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self._assign(stmt.target, self.eval(stmt.value), stmt.value)

    def _exec_AugAssign(self, stmt: ast.AugAssign) -> None:
        current = self.eval(stmt.target) if isinstance(stmt.target, ast.Name) else Unknown("target")
        right = self.eval(stmt.value)
        self._assign(stmt.target, binop(type(stmt.op), current, right), stmt.value)

    def _assign(self, target: ast.expr, value: object, source: ast.expr) -> None:
        """Bind a target; track locals derived from parameters and connection autocommit."""
        if isinstance(target, ast.Attribute) and target.attr == "autocommit":
            self.autocommit = value is True
        if self.names(source) & (self.frame.params | self.frame.tainted):
            self.frame.tainted |= self.names(target)
        self.bind(target, value)

    def assign_name(self, name: str, value: object) -> None:
        if name in self.frame.globals_declared:
            self.globals[name] = value
        else:
            super().assign_name(name, value)

    def _exec_Global(self, stmt: ast.Global) -> None:
        self.frame.globals_declared |= set(stmt.names)

    def _exec_Return(self, stmt: ast.Return) -> Signal:
        return Signal("return", self.eval(stmt.value))

    def _exec_Raise(self, stmt: ast.Raise) -> Signal:
        return Signal("raise")

    def _exec_Break(self, stmt: ast.Break) -> Signal:
        return Signal("break")

    def _exec_Continue(self, stmt: ast.Continue) -> Signal:
        return Signal("continue")

    def _exec_If(self, stmt: ast.If) -> Signal | None:
        test = self.truth(stmt.test)
        if isinstance(test, Unknown):
            return self._both_branches(stmt, test)
        taken, skipped = (stmt.body, stmt.orelse) if test else (stmt.orelse, stmt.body)
        for node in skipped:
            self.skipped_names |= self.names(node)
        return self.exec_block(taken)

    def _both_branches(self, stmt: ast.If, test: Unknown) -> Signal | None:
        """An undecidable condition: schema probes guard their branches; both branches run."""
        if test.dialect:
            self.note(
                Level.WARNING,
                stmt.lineno,
                f"cannot tell which branch is for {self.dialect}: the SQL of both branches is kept",
            )
        saved = self.flags
        self.flags = saved | {Flag.GUARDED} if test.probe else saved
        start = len(self.items)
        body_signal = self.exec_block(stmt.body)
        middle = len(self.items)
        else_signal = self.exec_block(stmt.orelse)
        self.flags = saved
        both = _effective(self.items[start:middle]) and _effective(self.items[middle:])
        if both and not test.probe and not test.dialect:
            self.note(
                Level.WARNING,
                stmt.lineno,
                f"condition is only known at run time "
                f"({test.why}): the SQL of both branches is kept",
            )
        exits = [s for s in (body_signal, else_signal) if s is not None and s.kind != "guard"]
        if any(s.kind == "return" for s in exits):
            self.frame.maybe_return = True
        if len(exits) == 2:
            return Signal(exits[0].kind, Unknown(test.why, probe=test.probe))
        if exits and test.probe:
            leaving = (start, middle) if body_signal in exits else (middle, len(self.items))
            if exits[0].kind == "return" and _effective(self.items[leaving[0] : leaving[1]]):
                branch = stmt.body if body_signal in exits else stmt.orelse
                return Signal(
                    "guard",
                    Alternative(
                        *leaving, branch[0].lineno, branch[-1].end_lineno or stmt.lineno, test.why
                    ),
                )
            return Signal("guard")
        return None

    def _exec_For(self, stmt: ast.For | ast.AsyncFor) -> Signal | None:
        items = self.iterate(self.eval(stmt.iter))
        if isinstance(items, Unknown):
            return self._unknown_loop(stmt, items)
        saved = self.flags
        self.flags = saved | {Flag.IN_LOOP}
        try:
            for item in items:
                if self.out_of_budget(stmt.lineno):
                    break
                self.bind(stmt.target, item)
                signal = self.exec_block(stmt.body)
                if signal is not None and signal.kind == "break":
                    return None
                if signal is not None and signal.kind != "continue":
                    return signal
        finally:
            self.flags = saved
        return self.exec_block(stmt.orelse)

    _exec_AsyncFor = _exec_For

    def _exec_While(self, stmt: ast.While) -> Signal | None:
        test = self.truth(stmt.test)
        if test is False:
            return self.exec_block(stmt.orelse)
        return self._unknown_loop(stmt, test if isinstance(test, Unknown) else Unknown("a loop"))

    def _unknown_loop(self, stmt: ast.For | ast.AsyncFor | ast.While, why: Unknown) -> None:
        """A loop whose iterations are only known at run time: if it touches the database,
        the whole loop is one ManualCode (a row-by-row data fix is never silently dropped)."""
        mark = self._mark()
        if not isinstance(stmt, ast.While):
            self.bind(stmt.target, Unknown(why.why, probe=why.probe))
        saved = self.flags
        self.flags = saved | {Flag.IN_LOOP}
        self.exec_block(stmt.body)
        self.flags = saved
        if _effective(self.items[mark[0] :]):
            self._rollback(mark)
            read = f", read at line {why.read_at[0]}" if why.read_at else ""
            self.manual(
                stmt,
                stmt.lineno,
                f"loop over values known only at run time ({why.why}{read}) runs SQL for each "
                "of them",
            )
            if why.read_at:
                self._warn_schema_changed_since_read(why.read_at, mark[0], stmt.lineno)
        self.exec_block(stmt.orelse)

    def _warn_schema_changed_since_read(
        self, read_at: tuple[int, int], upto: int, line: int
    ) -> None:
        """Rows read before a schema change and written back after it: the port must read them
        before the change (a dropped column's values are gone by the time the TODO runs)."""
        changed = [
            item.origin.line
            for item in self.items[read_at[1] : upto]
            if isinstance(item, Statement) and not item.ignored and _SCHEMA_HEAD.match(item.sql)
        ]
        if changed:
            lines = ", ".join(str(n) for n in sorted(set(changed)))
            self.note(
                Level.WARNING,
                line,
                f"this loop uses rows read at line {read_at[0]}, "
                f"before the schema changes at line(s) {lines}: in the revision those "
                "changes run first, so port the TODO to read what it needs before them",
            )

    def _exec_With(self, stmt: ast.With | ast.AsyncWith) -> Signal | None:
        for item in stmt.items:
            value = self.eval(item.context_expr)
            if item.optional_vars is not None:
                bound = value if isinstance(value, FileHandle) else Unknown("a context manager")
                self.bind(item.optional_vars, bound)
        return self.exec_block(stmt.body)

    _exec_AsyncWith = _exec_With

    def _exec_Try(self, stmt: ast.Try) -> Signal | None:
        """try/except: a swallowed error guards the body; SQL in a handler is an alternative."""
        mark = self._mark()
        signal = self.exec_block(stmt.body)
        body = self._rollback(mark)
        runs: list[tuple[ast.ExceptHandler, list[Item]]] = []
        for handler in stmt.handlers:
            handler_mark = self._mark()
            if handler.name:
                self.assign_name(handler.name, Unknown("the exception raised"))
            self.exec_block(handler.body)
            runs.append((handler, self._rollback(handler_mark)))
        self.items.extend(self._resolve_try(stmt, body, runs))
        if signal is None:
            signal = self.exec_block(stmt.orelse)
        final = self.exec_block(stmt.finalbody)
        if final is not None:
            return final
        return signal if signal is not None and signal.kind == "return" else None

    _exec_TryStar = _exec_Try

    def _resolve_try(
        self, stmt: ast.Try, body: list[Item], runs: list[tuple[ast.ExceptHandler, list[Item]]]
    ) -> list[Item]:
        handled = [item for _, items in runs for item in items]
        if not _effective(handled):
            if _effective(body) and any(_swallows(handler) for handler, _ in runs):
                body = self._swallowed(stmt, body)
            return body + handled
        if not _effective(body):
            return body + _with_flag(handled, Flag.GUARDED)
        body_score = _dialect_score(body, self.dialect)
        handler_score = _dialect_score(handled, self.dialect)
        if body_score != handler_score:
            return body if body_score > handler_score else handled
        self.note(
            Level.WARNING,
            stmt.lineno,
            "try/except runs different SQL when the first "
            f"attempt fails; cannot tell which one is for {self.dialect}: both are kept",
        )
        return body + handled

    def _swallowed(self, stmt: ast.Try, body: list[Item]) -> list[Item]:
        """A failing statement is tolerated: an "already exists" guard when the try holds one
        statement or the handler says so; otherwise the legacy run may have skipped the rest."""
        handlers = " ".join(ast.get_source_segment(self.source, h) or "" for h in stmt.handlers)
        single = sum(1 for item in body if not isinstance(item, Statement) or not item.ignored) == 1
        if single or _GUARD_WORDS.search(handlers):
            return _with_flag(body, Flag.GUARDED)
        self.note(
            Level.WARNING,
            stmt.lineno,
            "errors in this try block are swallowed: where a statement failed, the legacy run "
            "skipped the statements after it",
        )
        return body

    def _exec_Match(self, stmt: ast.Match) -> None:
        self.eval(stmt.subject)
        for case in stmt.cases:
            self.exec_block(case.body)

    def _exec_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        ref = FunctionRef(stmt, list(self.scopes))
        if all(known.node is not stmt for known in self.defined):
            self.defined.append(ref)
        self.assign_name(stmt.name, ref)

    _exec_AsyncFunctionDef = _exec_FunctionDef

    def _exec_ClassDef(self, stmt: ast.ClassDef) -> None:
        """Model classes give table names; other classes' methods are scanned like functions."""
        model = self._model_class(stmt)
        if model is not None:
            self.models_defined[stmt.name] = model
            self.assign_name(stmt.name, model)
            return
        for node in stmt.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                ref = FunctionRef(node, list(self.scopes), owner=stmt.name)
                self.methods[(stmt.name, node.name)] = ref
                self.defined.append(ref)
        self.assign_name(stmt.name, Unknown(f"class {stmt.name}"))

    def _model_class(self, stmt: ast.ClassDef) -> ModelClass | None:
        tablename, abstract = None, False
        for node in stmt.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if "__tablename__" in names and isinstance(node.value.value, str):
                    tablename = node.value.value
                abstract |= "__abstract__" in names and node.value.value is True
        bases = [_dotted(b) for b in stmt.bases]
        flask_model = any(b == "Model" or b.endswith(".Model") for b in bases)
        inherits = any(isinstance(self.eval(b), ModelClass) for b in stmt.bases)
        if abstract or not (tablename or flask_model or inherits or "Base" in bases):
            return None
        if tablename is None and flask_model:
            tablename = _snake_case(stmt.name)
        return ModelClass(stmt.name, tablename)

    def _exec_Import(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            module = alias.name if alias.asname else alias.name.split(".")[0]
            value = (
                Imported(module) if module.split(".")[0] in _NOT_MODEL_MODULES else External(module)
            )
            self.assign_name(alias.asname or module, value)

    def _exec_ImportFrom(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        library = stmt.level == 0 and module.split(".")[0] in _NOT_MODEL_MODULES
        for alias in stmt.names:
            if alias.name == "*":
                continue
            name = alias.asname or alias.name
            qualname = f"{module}.{alias.name}" if module else alias.name
            self.assign_name(name, Imported(qualname) if library else External(qualname))
            if not library and self._looks_like_model(alias.name):
                self.models_imported.append(alias.name)

    @staticmethod
    def _looks_like_model(name: str) -> bool:
        return name[:1].isupper() and not name.isupper() and name not in _NOT_MODEL_NAMES

    def _eval_Lambda(self, node: ast.Lambda) -> object:
        """A lambda is not followed; if it runs SQL, that SQL must not vanish silently."""
        calls = [c for c in ast.walk(node.body) if isinstance(c, ast.Call)]
        if any(getattr(c.func, "attr", None) in _EXECUTE_METHODS for c in calls):
            self.manual(self.frame.stmt, node.lineno, "SQL run inside a lambda")
        return Unknown("lambda functions are not followed")

    # --- calls ---------------------------------------------------------------------------------

    def call_hook(self, node: ast.Call) -> object:
        """Database calls, recognised by their shape before anything is evaluated."""
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _EXECUTE_METHODS and not self._is_own_function(func):
            return self._execute(node, name)
        if not isinstance(func, ast.Attribute):
            return NOT_HANDLED
        if name == "create_all":
            return self._create_all(node)
        if name == "drop_all":
            return self._manual_call(node, "drops every table of the metadata through SQLAlchemy")
        if name in ("copy_expert", "copy_from"):
            return self._manual_call(node, "psycopg2 COPY loads data from a file or stream")
        if name in ("create", "drop"):
            return self._table_call(node, name)
        if name == "set_isolation_level" and node.args:
            level = self.eval(node.args[0])
            qualname = level.qualname if isinstance(level, Imported) else ""
            self.autocommit = level == 0 or qualname.endswith("AUTOCOMMIT")
            return None
        if name == "execution_options":
            level = next((k.value for k in node.keywords if k.arg == "isolation_level"), None)
            self.autocommit |= isinstance(level, ast.Constant) and level.value == "AUTOCOMMIT"
        method = self._own_method(func)
        if method is not None:
            args, kwargs = self.eval_args(node)
            return self.call_function(method, [Unknown("self"), *args], kwargs, node)
        return NOT_HANDLED

    def _is_own_function(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            return isinstance(self.lookup(func.id), FunctionRef)
        return self._own_method(func) is not None

    def _own_method(self, func: ast.expr) -> FunctionRef | None:
        """`self.helper(...)` inside a method of a class defined in the script."""
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return None
        if func.value.id not in ("self", "cls") or self.frame.owner is None:
            return None
        return self.methods.get((self.frame.owner, func.attr))

    def call_function(
        self, fn: FunctionRef, args: list[object], kwargs: dict[str, object], node: ast.Call | None
    ) -> object:
        """Run one of the script's functions with folded arguments, in a new frame."""
        if fn.node in self.active or len(self.active) > 50:
            return Unknown(f"recursive call of {fn.node.name}()")
        if self.out_of_budget(node.lineno if node else fn.node.lineno):
            return Unknown(f"{fn.node.name}() was not followed (the script is too complex)")
        self.called.add(fn.node)
        call_names = set() if node is None else self.names(node) - self.names(node.func)
        frame = Frame(
            fn.node.name,
            call_node=node,
            call_stmt=self.frame.stmt,
            call_names=call_names,
            parent=self.frame,
            owner=fn.owner,
        )
        saved_scopes, saved_frame = self.scopes, self.frame
        self.scopes = fn.closure
        scope = self._bind_params(fn, list(args), dict(kwargs))
        frame.params = set(scope)
        self.scopes, self.frame = [*fn.closure, scope], frame
        self.active.add(fn.node)
        try:
            signal = self.exec_block(fn.node.body)
        finally:
            self.active.discard(fn.node)
            self.scopes, self.frame = saved_scopes, saved_frame
        result = signal.value if signal is not None and signal.kind == "return" else None
        if frame.maybe_return:
            unknown = find_unknown(result)
            return Unknown(
                "the function returns early on a run-time condition",
                probe=unknown.probe if unknown else True,
            )
        return result

    def _bind_params(
        self, fn: FunctionRef, args: list[object], kwargs: dict[str, object]
    ) -> dict[str, object]:
        spec = fn.node.args
        positional = [*spec.posonlyargs, *spec.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(spec.defaults))
        defaults += spec.defaults
        scope: dict[str, object] = {}
        for index, (param, default) in enumerate(zip(positional, defaults)):
            if index < len(args):
                scope[param.arg] = args[index]
            elif param.arg in kwargs:
                scope[param.arg] = kwargs.pop(param.arg)
            else:
                scope[param.arg] = (
                    self.eval(default)
                    if default
                    else Unknown(f"argument {param.arg!r} of {fn.node.name}()")
                )
        if spec.vararg:
            scope[spec.vararg.arg] = tuple(args[len(positional) :])
        for param, default in zip(spec.kwonlyargs, spec.kw_defaults):
            fallback = self.eval(default) if default else Unknown(f"argument {param.arg!r}")
            scope[param.arg] = kwargs.pop(param.arg, fallback)
        if spec.kwarg:
            scope[spec.kwarg.arg] = kwargs
        for name, value in scope.items():
            if is_db_name(name) and isinstance(value, Unknown):
                scope[name] = DbRef()
        return scope

    def _scan_uncalled(self) -> None:
        """Functions the script never calls (entry points of a runner, CLI commands) are still
        scanned: roots first, in source order; functions only they call are reached through them."""
        candidates = [
            f
            for f in self.defined
            if f.node not in self.called and f.node.name not in self.skipped_names
        ]
        referenced = set()
        for ref in candidates:
            referenced |= {n for n in self.names(ref.node) if n != ref.node.name}
            referenced |= {
                a.attr
                for a in ast.walk(ref.node)
                if isinstance(a, ast.Attribute) and a.attr != ref.node.name
            }
        roots = [f for f in candidates if f.node.name not in referenced]
        for ref in [*roots, *candidates]:
            if ref.node in self.called:
                continue
            other = _other_dialect_in_name(ref.node.name, self.dialect)
            if other:
                self.called.add(ref.node)
                self.note(
                    Level.INFO,
                    ref.node.lineno,
                    f"{ref.node.name}() is never called by the script, and its name says "
                    f"it is for {other}: left out (converting for {self.dialect})",
                )
                continue
            spec = ref.node.args
            params = [p.arg for p in [*spec.posonlyargs, *spec.args]]
            args = [Unknown(f"parameter {p!r} of {ref.node.name}(), never called") for p in params]
            self.frame.stmt = ref.node
            before, at = len(self.items), len(self.notes)
            self.call_function(ref, args, {}, None)
            if len(self.items) > before:  # only worth saying for a function that runs SQL
                self.notes.insert(
                    at,
                    (
                        Level.INFO,
                        Origin(self.path, ref.node.lineno),
                        f"{ref.node.name}() is never called by the script; "
                        "its SQL is extracted as if it ran once",
                    ),
                )

    # --- database calls ------------------------------------------------------------------------

    def _site(self, node: ast.Call) -> tuple[int, ast.stmt | None]:
        """Where SQL built from arguments comes from: the call site that passed them in."""
        line, stmt = node.lineno, self.frame.stmt
        names = self.names(node) - self.names(node.func)
        frame: Frame | None = self.frame
        while (
            frame is not None
            and frame.call_node is not None
            and names & (frame.params | frame.tainted)
        ):
            line, stmt, names = frame.call_node.lineno, frame.call_stmt, frame.call_names
            frame = frame.parent
        return line, stmt

    def _execute(self, node: ast.Call, method: str) -> object:
        """cursor.execute / executescript / executemany / exec_driver_sql and friends."""
        if isinstance(node.func, ast.Attribute):
            self.eval(node.func.value)
        if not node.args:
            self.eval_args(node)
            return Unknown("result of a query")
        sql_node, is_text = _unwrap_text(node.args[0])
        sql = self.eval(sql_node)
        rest = [self.eval(arg) for arg in node.args[1:]]
        keywords = {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
        params = rest[0] if len(rest) == 1 else tuple(rest) if rest else None
        if params is None:
            params = keywords.pop("parameters", keywords.pop("params", None)) or (keywords or None)
        line, stmt = self._site(node)
        if isinstance(sql, Unknown):
            return self._dynamic_sql(sql, sql_node, line, stmt)
        if not isinstance(sql, str):
            self.manual(stmt, line, "the executed object is not SQL text")
            return Unknown("result of a query")
        is_text = is_text or (isinstance(sql, SourceText) and sql.sqlalchemy)
        rows = isinstance(params, list) and params and all(isinstance(p, dict) for p in params)
        if method == "executemany" or (is_text and rows):
            return self._execute_many(sql, params, is_text, line, stmt)
        return self._emit_sql(sql, params, is_text, line, stmt)

    def _execute_many(
        self, sql: str, rows: object, is_text: bool, line: int, stmt: ast.stmt | None
    ) -> object:
        sequence = self.iterate(rows)
        if isinstance(sequence, Unknown):
            self.manual(
                stmt, line, f"executemany() over rows known only at run time ({sequence.why})"
            )
            return Unknown("result of a query")
        saved = self.flags
        self.flags = saved | {Flag.IN_LOOP}
        for row in sequence:
            self._emit_sql(sql, row, is_text, line, stmt)
        self.flags = saved
        return Unknown("result of a query")

    def _emit_sql(
        self, sql: str, params: object, is_text: bool, line: int, stmt: ast.stmt | None
    ) -> object:
        """Split the SQL, inline literal parameters, and record the statements with flags."""
        path, first_line, exact = self.path, line, False
        if isinstance(sql, SourceText) and sql.line:
            path, first_line, exact = sql.path or self.path, sql.line, sql.exact
        text: str = sql
        if params is not None and params != () and params != {}:
            unknown = find_unknown(params)
            if unknown is not None:
                self.manual(stmt, line, f"query parameters known only at run time ({unknown.why})")
                return Unknown("result of a query")
            try:
                text = inline_params(sql, params, self.dialect, sqlalchemy_text=is_text)
            except NotLiteral as e:
                self.manual(stmt, line, f"a query parameter has no exact SQL literal form ({e})")
                return Unknown("result of a query")
            exact = exact and text.count("\n") == sql.count("\n")
        elif is_text:
            text = sql.replace("\\:", ":")
        try:
            statements = split_sql(text, path, self.dialect, first_line)
        except InputError as e:
            self.manual(stmt, line, f"the SQL text is malformed ({e.message})")
            return Unknown("result of a query")
        flags = self.flags | ({Flag.AUTOCOMMIT} if self.autocommit else frozenset())
        for st in statements:  # built directly: dataclasses.replace() is slow in bulk
            self.items.append(
                Statement(
                    st.sql,
                    st.origin if exact else Origin(path, first_line),
                    st.flags | flags if st.flags else flags,
                    st.ignored,
                    st.warning,
                )
            )
        reads = bool(statements) and all(s.ignored is not None for s in statements)
        return Unknown(
            "result of a query", probe=reads, read_at=(line, len(self.items)) if reads else None
        )

    def _dynamic_sql(
        self, sql: Unknown, sql_node: ast.expr, line: int, stmt: ast.stmt | None
    ) -> object:
        """SQL only known at run time: a read (by its known prefix) is ignored, else ManualCode."""
        reason = classify_lexical(sql.prefix + " x") if sql.prefix.strip() else None
        code = ast.get_source_segment(self.source, sql_node) or ""
        if reason is not None:
            ignored = f"{reason} built at run time"
            self.items.append(Statement(code, Origin(self.path, line), self.flags, ignored=ignored))
            return Unknown("result of a query", probe=True)
        hint = ""
        if isinstance(sql.default, str) and sql.default is not MISSING:
            hint = f"; with the script's defaults it runs: {' '.join(sql.default.split())}"
        self.manual(stmt, line, f"SQL built from values known only at run time ({sql.why}){hint}")
        return Unknown("result of a query")

    def _manual_call(self, node: ast.Call, reason: str) -> None:
        self.eval(node.func)
        self.eval_args(node)
        self.manual(self.frame.stmt, node.lineno, reason)

    def _create_all(self, node: ast.Call) -> None:
        """`create_all()`: the tables listed, or the models the script defines and imports."""
        assert isinstance(node.func, ast.Attribute)
        self.eval(node.func.value)
        _, kwargs = self.eval_args(node)
        tables_arg = kwargs.get("tables", MISSING)
        if tables_arg is MISSING:
            tables = tuple(m.tablename for m in self.models_defined.values() if m.tablename)
            models = tuple(dict.fromkeys([*self.models_defined, *self.models_imported]))
        else:
            refs = tables_arg if isinstance(tables_arg, (list, tuple)) else [tables_arg]
            tables = tuple(r.name for r in refs if isinstance(r, TableRef) and r.name)
            models = tuple(r.model for r in refs if isinstance(r, TableRef) and r.model)
            if not all(isinstance(r, TableRef) for r in refs):
                self.note(
                    Level.WARNING,
                    node.lineno,
                    "create_all(tables=...) lists tables that are not known statically",
                )
        call = ast.get_source_segment(self.source, node) or "create_all()"
        self.items.append(CreateAllCall(Origin(self.path, node.lineno), call, tables, models))

    def _table_call(self, node: ast.Call, name: str) -> object:
        """`Model.__table__.create(bind)` / `.drop(bind)` on a table the script names."""
        assert isinstance(node.func, ast.Attribute)
        target = self.eval(node.func.value)
        args, kwargs = self.eval_args(node)
        if not isinstance(target, TableRef):
            return self.apply(self.attribute(target, name), args, kwargs, node)
        if name == "drop":
            self.manual(
                self.frame.stmt,
                node.lineno,
                f"drops table {target.name or target.model} through SQLAlchemy",
            )
            return None
        call = ast.get_source_segment(self.source, node) or "create()"
        tables = (target.name,) if target.name else ()
        models = (target.model,) if target.model else ()
        self.items.append(CreateAllCall(Origin(self.path, node.lineno), call, tables, models))
        return None


def _unwrap_text(node: ast.expr) -> tuple[ast.expr, bool]:
    """`text("...")`, `sa.text(...)`, `DDL(...)`: the SQL argument, and whether binds are `:name`.

    `text(...).execution_options(...)` only changes how it runs: the SQL is the same.
    """
    options = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    if options and node.func.attr == "execution_options":  # type: ignore[union-attr]
        node = node.func.value  # type: ignore[union-attr]
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = _dotted(node.func).rsplit(".", 1)[-1]
        if name in _TEXT_WRAPPERS:
            return node.args[0], name == "text"
    return node, False
