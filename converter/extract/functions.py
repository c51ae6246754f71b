"""Following calls into the script's own functions and methods.

A call runs the function's body in a new `Frame` with the folded arguments, so that SQL built
from parameters is attributed to the call site that passed them. Recursion and overlong walks are
cut off. Functions the script never calls (entry points of a runner, CLI commands) are scanned
once with unknown arguments, unless their name says they are for another dialect.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from converter.core.diagnostics import Level, Origin
from converter.extract.target import is_db_name, other_dialect_in_name
from converter.extract.values import DbRef, FunctionRef, Unknown, find_unknown
from converter.extract.walker import Frame, WalkerBase


class InScopes:
    """Inside a call: names are looked up in the callee's scopes, the callee's frame runs and
    the callee counts as active (a recursive call is not followed). The caller's are back
    however the call ends. A class rather than a generator: it wraps every call followed."""

    __slots__ = ("_active", "_frame", "_saved", "_scopes", "_walker")

    def __init__(
        self,
        walker: WalkerBase,
        scopes: list[dict[str, object]],
        frame: Frame | None = None,
        active: ast.AST | None = None,
    ) -> None:
        self._walker, self._scopes, self._frame, self._active = walker, scopes, frame, active

    def __enter__(self) -> None:
        walker = self._walker
        self._saved = walker.scopes, walker.frame
        walker.scopes = self._scopes
        if self._frame is not None:
            walker.frame = self._frame
        if self._active is not None:
            walker.active.add(self._active)

    def __exit__(self, *exc: object) -> None:
        if self._active is not None:
            self._walker.active.discard(self._active)
        self._walker.scopes, self._walker.frame = self._saved


class FunctionCalls(WalkerBase):
    """Calls of the script's functions, `self.method()` calls, and functions never called."""

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
        self,
        fn: FunctionRef,
        args: Sequence[object],
        kwargs: dict[str, object],
        node: ast.Call | None,
    ) -> object:
        """Run one of the script's functions with folded arguments, in a new frame."""
        if fn.node in self.active or len(self.active) > 50:
            return Unknown(f"recursive call of {fn.node.name}()")
        if self.out_of_budget(node.lineno if node else fn.node.lineno):
            return Unknown(f"{fn.node.name}() was not followed (the script is too complex)")
        self.called.add(fn.node)
        call_names = set() if node is None else set(self.names(node) - self.names(node.func))
        frame = Frame(
            fn.node.name,
            call_node=node,
            call_stmt=self.frame.stmt,
            call_names=call_names,
            parent=self.frame,
            owner=fn.owner,
            source=self.source,
        )
        with InScopes(self, fn.closure):  # defaults are evaluated where the function is defined
            scope = self._bind_params(fn, list(args), dict(kwargs))
        frame.params = set(scope)
        with InScopes(self, [*fn.closure, scope], frame, fn.node):
            signal = self.exec_block(fn.node.body)
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

    def call_entry(self, ref: FunctionRef, why: str) -> object:
        """Run a function nothing in the script calls (an entry point), with unknown arguments."""
        spec = ref.node.args
        params = [p.arg for p in [*spec.posonlyargs, *spec.args]]
        args = [Unknown(f"parameter {p!r} of {ref.node.name}(), {why}") for p in params]
        self.frame.stmt = ref.node
        return self.call_function(ref, args, {}, None)

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
            other = other_dialect_in_name(ref.node.name, self.dialect)
            if other:
                self.called.add(ref.node)
                self.note(
                    Level.INFO,
                    ref.node.lineno,
                    f"{ref.node.name}() is never called by the script, and its name says "
                    f"it is for {other}: left out (converting for {self.dialect})",
                )
                continue
            before, at = len(self.items), len(self.notes)
            result = self.call_entry(ref, "never called")
            if len(self.items) == before:
                self.returned.append((ref, result))
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
