"""Loops: unrolled over values known statically, one ManualCode when they are not.

A `for` over a literal list (or anything that folds) runs its body once per item, and the SQL is
flagged IN_LOOP. A loop over rows read at run time that writes to the database is carried whole
as code to port by hand: a row-by-row data fix must never be dropped silently.
"""

from __future__ import annotations

import ast
import re

from converter.core.diagnostics import Level
from converter.extract.values import Unknown
from converter.extract.walker import Signal, WalkerBase, effective
from converter.ir.statements import Flag, Statement

_SCHEMA_HEAD = re.compile(r"\s*(?:ALTER|DROP|CREATE|RENAME)\b", re.IGNORECASE)


class Loops(WalkerBase):
    """`for` and `while` statements."""

    def _exec_For(self, stmt: ast.For | ast.AsyncFor) -> Signal | None:
        items = self.iterate(self.eval(stmt.iter))
        if isinstance(items, Unknown):
            return self._unknown_loop(stmt, items)
        with self._flags(Flag.IN_LOOP):
            for item in items:
                if self.out_of_budget(stmt.lineno):
                    break
                self.bind(stmt.target, item)
                signal = self.exec_block(stmt.body)
                if signal is not None and signal.kind == "break":
                    return None
                if signal is not None and signal.kind != "continue":
                    return signal
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
