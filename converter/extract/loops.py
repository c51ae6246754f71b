"""Loops: unrolled over values known statically, one ManualCode when they are not.

A `for` over a literal list (or anything that folds) runs its body once per item, and the SQL is
flagged IN_LOOP. A loop over rows read at run time that writes to the database is carried whole
as code to port by hand: a row-by-row data fix must never be dropped silently.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

import sqlglot
from sqlglot.errors import SqlglotError

from converter.core.diagnostics import Level, Origin
from converter.core.dialects import Dialect
from converter.extract.target import dialect_score
from converter.extract.values import Filtered, Unknown
from converter.extract.walker import Signal, WalkerBase, effective
from converter.ir.statements import Flag, Item, Statement

Note = tuple[Level, Origin, str]

_SCHEMA_HEAD = re.compile(r"\s*(?:ALTER|DROP|CREATE|RENAME)\b", re.IGNORECASE)


class Loops(WalkerBase):
    """`for` and `while` statements."""

    def _exec_For(self, stmt: ast.For | ast.AsyncFor) -> Signal | None:
        value = self.eval(stmt.iter)
        items = self.iterate(value)
        if isinstance(items, Unknown):
            self._unknown_loop(stmt, items)
            return None
        if len(items) > 1 and _tries_alternatives(stmt):
            self._first_that_works(stmt, items)
            return None
        start = len(self.items)
        self.cuts.append(self._filtered(stmt, value))
        try:
            with self._flags(Flag.GUARDED, when=isinstance(value, Filtered) and value.probe):
                signal = self._unrolled(stmt, items)
        finally:
            self._note_cuts(stmt, start, self.cuts.pop())
        if signal is not None:
            return None if signal.kind == "break" else signal
        return self.exec_block(stmt.orelse)

    def _filtered(self, stmt: ast.For | ast.AsyncFor, value: object) -> dict[int, str]:
        """A loop over a list filtered or capped at run time runs for every item of the constant
        list, with a warning; the conditions go into the revision next to its statements."""
        if not isinstance(value, Filtered):
            return {}
        said = ", ".join(
            f"`{code}` (line {line})" for line, code in sorted(value.conditions.items())
        )
        self.note(
            Level.WARNING,
            stmt.lineno,
            f"the loop runs over a list filtered or capped at run time ({said}): the SQL of "
            "every item of the constant list is converted",
        )
        return dict(value.conditions)

    def _unrolled(self, stmt: ast.For | ast.AsyncFor, items: list[object]) -> Signal | None:
        """The body once per item; the signal that ended the loop early (break, return...)."""
        with self._flags(Flag.IN_LOOP):
            for item in items:
                if self.out_of_budget(stmt.lineno):
                    break
                self.bind(stmt.target, item)
                signal = self._iteration(stmt)
                if signal is not None and signal.kind != "continue":
                    return signal
        return None

    def _note_cuts(self, stmt: ast.For | ast.AsyncFor, start: int, cuts: dict[int, str]) -> None:
        """Each statement the loop ran says, in the revision, which run-time condition the
        legacy loop skipped or stopped on: converted for every item, it may not have run for
        all of them on every database."""
        if not cuts:
            return
        said = ", ".join(f"`{code}` (line {line})" for line, code in sorted(cuts.items()))
        note = (
            f"the legacy loop (line {stmt.lineno}) skips or stops at run time on {said}: "
            "converted for every item of its list"
        )
        for index in range(start, len(self.items)):
            item = self.items[index]
            if isinstance(item, Statement) and item.ignored is None:
                joined = f"{item.note}; {note}" if item.note else note
                self.items[index] = replace(item, note=joined)

    _exec_AsyncFor = _exec_For

    def _iteration(self, stmt: ast.For | ast.AsyncFor) -> Signal | None:
        """One unrolled iteration; names an iteration skipped at run time may have left
        differently are only known at run time in the next one."""
        self.skips.append([])
        try:
            signal = self.exec_block(stmt.body)
        finally:
            skipped = self.skips.pop()
        if skipped:
            why = f"set in the loop at line {stmt.lineno}, which skips items at run time"
            self.join([self.bindings(), *skipped], Unknown(why))
        return signal

    def _first_that_works(self, stmt: ast.For | ast.AsyncFor, values: list[object]) -> None:
        """`for ddl in [pg_form, sqlite_form]: try: run(ddl); break; except: continue`: the
        legacy run kept the first alternative the database accepted; keep the one that fits
        the target dialect (sqlglot parses it, and it names no other dialect's syntax)."""
        tried: list[tuple[list[Item], list[Note]]] = []
        with self._flags(Flag.IN_LOOP):
            for value in values:
                mark = self._mark()
                self.bind(stmt.target, value)
                self.exec_block(stmt.body)
                tried.append((self.items[mark[0] :], self.notes[mark[1] :]))
                self._rollback(mark)
        fits = [_fit(items, self.dialect) for items, _ in tried]
        best = max(range(len(tried)), key=lambda i: (fits[i], -i))
        items, notes = tried[best]
        self.items.extend(items)
        self.notes.extend(notes)
        where = items[0].origin.line if items else stmt.lineno
        if fits[best] > 0 and fits.count(fits[best]) == 1:
            self.note(
                Level.INFO,
                stmt.lineno,
                f"the loop tries {len(values)} alternatives until one works: kept the one at "
                f"line {where}, which fits {self.dialect}; the others are left out",
            )
            return
        self.note(
            Level.WARNING,
            stmt.lineno,
            f"the loop tries {len(values)} alternatives until one works, and none clearly fits "
            f"{self.dialect}: kept the one at line {where}; check it runs on {self.dialect}",
        )

    def _exec_While(self, stmt: ast.While) -> Signal | None:
        test = self.truth(stmt.test)
        if test is False:
            return self.exec_block(stmt.orelse)
        self._unknown_loop(stmt, test if isinstance(test, Unknown) else Unknown("a loop"))
        return None

    def _unknown_loop(self, stmt: ast.For | ast.AsyncFor | ast.While, why: Unknown) -> None:
        """A loop whose iterations are only known at run time: if it touches the database,
        the whole loop is one ManualCode (a row-by-row data fix is never silently dropped)."""
        mark, before = self._mark(), self.bindings()
        if not isinstance(stmt, ast.While):
            self.bind(stmt.target, Unknown(why.why, probe=why.probe))
        with self._flags(Flag.IN_LOOP):
            self.exec_block(stmt.body)
        after = f"set in the loop at line {stmt.lineno} over values known only at run time"
        self.join([before, self.bindings()], Unknown(after, probe=why.probe, read_at=why.read_at))
        if effective(self.items[mark[0] :]):
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


def _tries_alternatives(stmt: ast.For | ast.AsyncFor) -> bool:
    """The loop leaves after the first iteration whose try block succeeds."""
    return any(
        isinstance(node, ast.Try)
        and any(isinstance(b[-1], ast.Break) for b in (node.body, node.orelse) if b)
        for node in stmt.body
    )


def _fit(items: list[Item], dialect: Dialect) -> int:
    """How well SQL fits `dialect`: 2 written for it, 1 neutral and parsed, 0 for SQL written
    for another dialect, SQL sqlglot cannot parse as `dialect`, or no SQL at all."""
    statements = [i for i in items if isinstance(i, Statement) and i.ignored is None]
    if not statements or dialect_score(items, dialect) < 0:
        return 0
    if dialect_score(items, dialect) > 0:
        return 2
    try:
        for st in statements:
            sqlglot.parse(st.sql, read=dialect)
    except SqlglotError:
        return 0
    return 1
