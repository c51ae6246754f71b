"""Branches the script takes only sometimes: `if` on a run-time condition, and try/except.

A condition that reads the database's state (a column check, `has_table`) guards the SQL it
protects: that SQL is flagged GUARDED (apply once). Dialect tests that cannot be decided keep both
branches, with a warning. In try/except, a swallowed error guards the statement it protected, and
SQL in a handler is the alternative the legacy run fell back to: which one is kept is decided by
the dialect the SQL is written for.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from converter.core.diagnostics import Level, Origin
from converter.extract.target import dialect_score
from converter.extract.values import Unknown
from converter.extract.walker import (
    EXIT_CALLS,
    Alternative,
    Bindings,
    Signal,
    WalkerBase,
    dotted,
    effective,
)
from converter.ir.statements import Flag, Item, Statement

_GUARD_WORDS = re.compile(r"duplicate|already|exists|no such", re.IGNORECASE)


def _swallows(handler: ast.ExceptHandler) -> bool:
    """Whether an except handler lets the script go on (it does not re-raise or exit)."""
    last = handler.body[-1] if handler.body else None
    if isinstance(last, ast.Raise):
        return False
    return not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                and dotted(last.value.func) in EXIT_CALLS)  # fmt: skip


def _goes_on(signal: Signal | None) -> bool:
    """Whether the code after a block runs after this way of leaving it."""
    return signal is None or signal.kind == "guard"


def _with_flag(items: list[Item], flag: Flag) -> list[Item]:
    return [replace(i, flags=i.flags | {flag}) if isinstance(i, Statement) else i for i in items]


class Guards(WalkerBase):
    """`if` statements and try/except."""

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
        with self._flags(Flag.GUARDED, when=test.probe):
            start, before = len(self.items), self.bindings()
            body_signal = self.exec_block(stmt.body)
            middle, after_body = len(self.items), self.bindings()
            if not test.dialect:
                self.restore(before)
            else_signal = self.exec_block(stmt.orelse)
        if not test.dialect:
            ran = [(body_signal, after_body), (else_signal, self.bindings())]
            why = f"set by the if at line {stmt.lineno} on a run-time condition: {test.why}"
            self.join(
                [names for signal, names in ran if _goes_on(signal)],
                Unknown(why, probe=test.probe, read_at=test.read_at),
            )
        both = effective(self.items[start:middle]) and effective(self.items[middle:])
        if both and not test.probe and not test.dialect:
            self.note(
                Level.WARNING,
                stmt.lineno,
                f"condition is only known at run time "
                f"({test.why}): the SQL of both branches is kept",
            )
        exits = [s for s in (body_signal, else_signal) if s is not None and s.kind != "guard"]
        if any(s.kind in ("break", "continue") for s in exits) and not test.dialect:
            self._cut_short(stmt, test, [(body_signal, after_body), (else_signal, None)])
        if any(s.kind == "return" for s in exits):
            self.frame.maybe_return = True
        if len(exits) == 2:
            return Signal(exits[0].kind, Unknown(test.why, probe=test.probe))
        if exits and test.probe:
            leaving = (start, middle) if body_signal in exits else (middle, len(self.items))
            if exits[0].kind == "return" and effective(self.items[leaving[0] : leaving[1]]):
                branch = stmt.body if body_signal in exits else stmt.orelse
                return Signal(
                    "guard",
                    Alternative(
                        *leaving, branch[0].lineno, branch[-1].end_lineno or stmt.lineno, test.why
                    ),
                )
            return Signal("guard")
        return None

    def _cut_short(
        self, stmt: ast.If, test: Unknown, ran: list[tuple[Signal | None, Bindings | None]]
    ) -> None:
        """A loop filtered or capped at run time (`if name in existing: continue`, `if count >=
        N: break`): every item is converted, and the names as the skipped iteration left them
        flow into the next one."""
        message = (
            f"the loop skips or stops on a condition known only at run time ({test.why}): "
            "the SQL of every item of the list is converted"
        )
        if (Level.WARNING, Origin(self.path, stmt.lineno), message) not in self.notes:
            self.note(Level.WARNING, stmt.lineno, message)
        if self.cuts:
            code = " ".join((ast.get_source_segment(self.source, stmt.test) or test.why).split())
            self.cuts[-1].setdefault(stmt.lineno, code)
        if self.skips:
            for signal, names in ran:
                if signal is not None and signal.kind == "continue":
                    self.skips[-1].append(names if names is not None else self.bindings())

    def _exec_Try(self, stmt: ast.Try) -> Signal | None:
        """try/except: a swallowed error guards the body; SQL in a handler is an alternative."""
        mark = self._mark()
        signal = self.exec_block(stmt.body)
        body = self._rollback(mark)
        after_body = self.bindings()
        paths = [after_body] if _goes_on(signal) else []
        runs: list[tuple[ast.ExceptHandler, list[Item]]] = []
        for handler in stmt.handlers:
            handler_mark = self._mark()
            if handler.name:
                self.assign_name(handler.name, Unknown("the exception raised"))
            if _goes_on(self.exec_block(handler.body)):
                paths.append(self.bindings())
            runs.append((handler, self._rollback(handler_mark)))
            self.restore(after_body)
        self.join(
            paths,
            Unknown(f"set in the try at line {stmt.lineno}, or in its except branch when it fails"),
        )
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
        if not effective(handled):
            if effective(body) and any(_swallows(handler) for handler, _ in runs):
                body = self._swallowed(stmt, body)
            return body + handled
        if not effective(body):
            return body + _with_flag(handled, Flag.GUARDED)
        body_score = dialect_score(body, self.dialect)
        handler_score = dialect_score(handled, self.dialect)
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
