"""The statement interpreter's core: state, diagnostics, blocks and the simple statements.

`WalkerBase` runs a script's statements in order on top of `Evaluator`: blocks end early with a
`Signal` (return, raise, break, continue, or "guard": the rest of the block is guarded), SQL found
on the way is collected as `Item`s, and what cannot be converted is carried as `ManualCode` with a
TODO. Branches, loops, definitions, function calls and database calls are handled by the mixins
`ScriptWalker` is assembled from (`guards`, `loops`, `definitions`, `functions`, `dbcalls`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from converter.core.diagnostics import Level, Origin
from converter.core.dialects import Dialect
from converter.extract.evaluator import Evaluator
from converter.extract.library import binop
from converter.extract.values import MISSING, FileHandle, FunctionRef, ModelClass, Unknown
from converter.ir.statements import Flag, Item, ManualCode, Statement

MAX_STEPS = 100_000
EXIT_CALLS = frozenset(("sys.exit", "exit", "quit", "os._exit"))


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
    source: str | None = None  # the text its code is in (a helper of another module has its own)


SignalKind = Literal["return", "raise", "break", "continue", "guard"]


@dataclass
class Signal:
    """How a block ended early: return, raise, break, continue, or "guard" (rest is guarded)."""

    kind: SignalKind
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


def dotted(node: ast.expr) -> str:
    """The dotted name a call or base class is written with (`sys.exit`), or "" for others."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


Bindings = tuple[dict[str, object], dict[str, object]]
_DATA = (str, int, float, bool, bytes, type(None), list, tuple, dict)


def _is_data(value: object) -> bool:
    """A value a script computes with (as opposed to a connection, a function, a module)."""
    return isinstance(value, _DATA) or type(value) is Unknown


def _same(a: object, b: object) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - comparing two folded values is always safe to ask
        return False


def joined(a: object, b: object, why: Unknown) -> object:
    """The value of a name after one of two paths ran: the same on both, or, when the paths set
    it to different data, a value only known at run time (never one path's literal)."""
    if a is MISSING or _same(a, b):
        return b
    if b is MISSING:
        return a
    if _is_data(a) and _is_data(b):
        return Unknown(why.why, probe=why.probe, read_at=why.read_at)
    return b


def effective(items: list[Item]) -> bool:
    """Whether items change the database (anything but ignored statements)."""
    return any(not isinstance(i, Statement) or i.ignored is None for i in items)


class FlagScope:
    """Sets a walker's flags for a block and restores them on leaving it (a signal, an early
    return, an exception). A class rather than a generator: every block the walk runs uses one."""

    __slots__ = ("_added", "_saved", "_walker")

    def __init__(self, walker: WalkerBase, added: frozenset[Flag]) -> None:
        self._walker, self._added = walker, added

    def __enter__(self) -> None:
        self._saved = self._walker.flags
        if self._added:
            self._walker.flags = self._saved | self._added

    def __exit__(self, *exc: object) -> None:
        self._walker.flags = self._saved


class WalkerBase(Evaluator):
    """Static interpreter of one script's statements; collects Items and diagnostics.

    Holds the state every mixin of `ScriptWalker` shares: the items and notes found so far, the
    flags of the statements being recorded, the running frame, and what the script defines."""

    def __init__(self, source: str, path: str, dialect: Dialect, root: Path, script: Path) -> None:
        super().__init__(source, script, root, dialect)
        self.path = path
        self.items: list[Item] = []
        self.notes: list[tuple[Level, Origin, str]] = []
        self.flags: frozenset[Flag] = frozenset()
        self.autocommit = False
        self.frame = Frame("<module>", source=source)
        self.called: set[ast.AST] = set()
        self.active: set[ast.AST] = set()
        self.skipped_names: set[str] = set()
        self.defined: list[FunctionRef] = []
        # Functions the script never calls that ran no SQL, with what they returned.
        self.returned: list[tuple[FunctionRef, object]] = []
        # Per loop being unrolled: the names as iterations skipped at run time left them.
        self.skips: list[list[Bindings]] = []
        # Per loop being unrolled: the run-time conditions it skips or stops on (line, code).
        self.cuts: list[dict[int, str]] = []
        self.methods: dict[tuple[str, str], FunctionRef] = {}
        self.models_defined: dict[str, ModelClass] = {}
        self.models_imported: list[str] = []
        self.steps = 0
        self.exhausted = False
        self._names_cache: dict[ast.AST, frozenset[str]] = {}

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
        code = ast.get_source_segment(self._source_of(stmt), stmt) if stmt is not None else None
        code = code or ""
        item = ManualCode(Origin(self.path, line), code, reason)
        if item not in self.items:
            self.items.append(item)
            self.note(Level.TODO, line, f"port by hand: {reason}")

    def _source_of(self, stmt: ast.AST) -> str:
        """The text `stmt` is in: a call site up the frames may be in another module's code."""
        frame: Frame | None = self.frame
        while frame is not None and frame.parent is not None:
            if frame.call_stmt is stmt and frame.parent.source is not None:
                return frame.parent.source
            frame = frame.parent
        return self.source

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

    def bindings(self) -> Bindings:
        """The names bound in the running scope and the module, copied."""
        return dict(self.scopes[-1]), dict(self.globals)

    def restore(self, saved: Bindings) -> None:
        """Bind names as they were at `saved` (another path of the script runs from there)."""
        for scope, names in zip((self.scopes[-1], self.globals), saved, strict=True):
            scope.clear()
            scope.update(names)

    def join(self, paths: list[Bindings], why: Unknown) -> None:
        """Names after one of several paths ran (`if` on run-time data, a try and its except,
        a loop that may run zero times): a name the paths set to different data is Unknown."""
        if not paths:
            return
        for i, scope in enumerate((self.scopes[-1], self.globals)):
            names = dict.fromkeys(n for path in paths for n in path[i])
            merged: dict[str, object] = {}
            for name in names:
                value = paths[0][i].get(name, MISSING)
                for path in paths[1:]:
                    value = joined(value, path[i].get(name, MISSING), why)
                merged[name] = value
            scope.clear()
            scope.update(merged)

    def _mark(self) -> tuple[int, int]:
        return len(self.items), len(self.notes)

    def _rollback(self, mark: tuple[int, int]) -> list[Item]:
        removed = self.items[mark[0] :]
        del self.items[mark[0] :], self.notes[mark[1] :]
        return removed

    def _flags(self, *added: Flag, when: bool = True) -> FlagScope:
        """`with self._flags(Flag.IN_LOOP):` statements recorded inside also carry `added` (if
        `when`); the flags from before are back on leaving, however the block is left."""
        return FlagScope(self, frozenset(added) if when else frozenset())

    # --- statements ----------------------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt]) -> Signal | None:
        """Run statements in order until one ends the block; "guard" guards the rest.

        A guard whose branch ran SQL of its own before leaving early (`if not rows: DROP TABLE
        old; return`) is an alternative path: when the rest of the block runs SQL too, the rest
        is the migration and the branch is left out, with a warning."""
        alternatives: list[tuple[Alternative, int]] = []
        with self._flags():  # a guard met in this block guards only the rest of this block
            for stmt in body:
                signal = self.exec_stmt(stmt)
                if signal is not None and signal.kind == "guard":
                    self.flags = self.flags | {Flag.GUARDED}
                    if isinstance(signal.value, Alternative):
                        alternatives.append((signal.value, len(self.items)))
                elif signal is not None:
                    self._settle_alternatives(alternatives)
                    return signal
        self._settle_alternatives(alternatives)
        return None

    def _settle_alternatives(self, alternatives: list[tuple[Alternative, int]]) -> None:
        for alternative, rest in reversed(alternatives):
            if not effective(self.items[rest:]):
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
        self.line = stmt.lineno
        self.steps += 1
        handler = getattr(self, f"_exec_{type(stmt).__name__}", None)
        if handler is not None:
            return handler(stmt)
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.eval(child)
        return None

    def _exec_Expr(self, stmt: ast.Expr) -> Signal | None:
        self.eval(stmt.value)
        if isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in EXIT_CALLS:
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

    def _exec_With(self, stmt: ast.With | ast.AsyncWith) -> Signal | None:
        for item in stmt.items:
            value = self.eval(item.context_expr)
            if item.optional_vars is not None:
                bound = value if isinstance(value, FileHandle) else Unknown("a context manager")
                self.bind(item.optional_vars, bound)
        return self.exec_block(stmt.body)

    _exec_AsyncWith = _exec_With

    def _exec_Match(self, stmt: ast.Match) -> None:
        self.eval(stmt.subject)
        for case in stmt.cases:
            self.exec_block(case.body)
