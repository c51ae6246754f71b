"""Database calls, recognised by their shape: the SQL they run becomes Items.

`execute` / `executescript` / `executemany` / `exec_driver_sql` (SQL text, or SQLAlchemy `text()`
with `:name` binds), `create_all()` and `Model.__table__.create()`, and the calls that change
nothing but must be ported by hand (`drop_all`, `COPY`). Literal parameters are inlined; SQL that
is only known at run time is ignored when it is a read (known by its prefix), else carried as
ManualCode with what the script's defaults would run.
"""

from __future__ import annotations

import ast
from collections.abc import Set as AbstractSet

from converter.core.diagnostics import Level, Origin
from converter.core.errors import InputError
from converter.extract.functions import FunctionCalls
from converter.extract.sql import NotLiteral, classify_lexical, inline_params, split_sql
from converter.extract.strings import SourceText
from converter.extract.values import MISSING, NOT_HANDLED, Imported, TableRef, Unknown, find_unknown
from converter.extract.walker import Frame, dotted
from converter.ir.ops import DeclaredTable
from converter.ir.statements import CreateAllCall, Flag, Statement

_EXECUTE_METHODS = frozenset(("execute", "executescript", "executemany", "exec_driver_sql"))
_TEXT_WRAPPERS = frozenset(("text", "DDL"))


class DatabaseCalls(FunctionCalls):
    """Calls that reach the database; everything else is folded by `Evaluator`."""

    def _eval_Lambda(self, node: ast.Lambda) -> object:
        """A lambda is not followed; if it runs SQL, that SQL must not vanish silently."""
        calls = [c for c in ast.walk(node.body) if isinstance(c, ast.Call)]
        if any(getattr(c.func, "attr", None) in _EXECUTE_METHODS for c in calls):
            self.manual(self.frame.stmt, node.lineno, "SQL run inside a lambda")
        return Unknown("lambda functions are not followed")

    def call_hook(self, node: ast.Call) -> object:
        """Database calls, recognised by their shape before anything is evaluated."""
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _EXECUTE_METHODS and not self._is_own_function(func):
            return self._execute(node, name)
        if not isinstance(func, ast.Attribute):
            return NOT_HANDLED
        if name == "create_all":
            self._create_all(node)
            return None
        if name == "drop_all":
            self._manual_call(node, "drops every table of the metadata through SQLAlchemy")
            return None
        if name in ("copy_expert", "copy_from"):
            self._manual_call(node, "psycopg2 COPY loads data from a file or stream")
            return None
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

    def _site(self, node: ast.Call) -> tuple[int, ast.stmt | None]:
        """Where SQL built from arguments comes from: the call site that passed them in."""
        line, stmt = node.lineno, self.frame.stmt
        names: AbstractSet[str] = self.names(node) - self.names(node.func)
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
        with self._flags(Flag.IN_LOOP):
            for row in sequence:
                self._emit_sql(sql, row, is_text, line, stmt)
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
        declared = self._declared(models)
        call = ast.get_source_segment(self.source, node) or "create_all()"
        self.items.append(
            CreateAllCall(Origin(self.path, node.lineno), call, tables, models, declared)
        )

    def _declared(self, models: tuple[str, ...]) -> tuple[DeclaredTable, ...]:
        """The tables of the script's own model classes among `models`, where fully known."""
        found = (self.models_defined.get(name) for name in models)
        return tuple(m.declared for m in found if m is not None and m.declared is not None)

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
        declared = self._declared(models)
        self.items.append(
            CreateAllCall(Origin(self.path, node.lineno), call, tables, models, declared)
        )
        return None


def _unwrap_text(node: ast.expr) -> tuple[ast.expr, bool]:
    """`text("...")`, `sa.text(...)`, `DDL(...)`: the SQL argument, and whether binds are `:name`.

    `text(...).execution_options(...)` only changes how it runs: the SQL is the same.
    """
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "execution_options"
    ):
        node = node.func.value
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = dotted(node.func).rsplit(".", 1)[-1]
        if name in _TEXT_WRAPPERS:
            return node.args[0], name == "text"
    return node, False
