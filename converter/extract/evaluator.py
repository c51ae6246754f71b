"""Static folding of Python expressions: what a legacy script computes, without running it.

`Evaluator` walks expression nodes in the script's scopes and returns plain values when every
input is a constant, or an `Unknown` saying why not (see `values`). Loops in comprehensions are
unrolled over known iterables; tests on the database are decided for the target dialect (see
`target`); calls go to the allow-list of `library`, or to the hooks a subclass gives for database
calls and the script's own functions.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

from converter.core.dialects import Dialect
from converter.extract.library import BUILTIN_NAMES, CMPOPS, LibraryCalls, binop
from converter.extract.strings import SourceText, format_field, join_fstring
from converter.extract.target import PROBE_METHODS, db_compare, is_db_name
from converter.extract.values import (
    MAX_ITEMS,
    MISSING,
    NOT_HANDLED,
    DbRef,
    Filtered,
    Imported,
    TableRef,
    Unknown,
    find_unknown,
    lift,
)


class Evaluator(LibraryCalls):
    """Folds the expressions of one script in its scopes; `ScriptWalker` adds the statements.

    Subclasses hook `call_hook` (database calls) and `call_function` (the script's functions).
    """

    def __init__(self, source: str, script: Path, root: Path, dialect: Dialect) -> None:
        self.source = source
        self.script = script
        self.root = root
        self.dialect = dialect
        self.line = 0  # of the statement being read: where errors point
        self.globals: dict[str, object] = {"__name__": "__main__", "__file__": str(script)}
        self.scopes: list[dict[str, object]] = [self.globals]

    def call_hook(self, node: ast.Call) -> object:
        """A call the subclass recognises by its shape (cursor.execute...), or NOT_HANDLED."""
        return NOT_HANDLED

    # --- entry points --------------------------------------------------------------------------

    def eval(self, node: ast.expr | None) -> object:
        """The value of an expression, or Unknown; calls inside it are seen by the hooks."""
        if node is None:
            return None
        method = getattr(self, f"_eval_{type(node).__name__}", None)
        if method is not None:
            return method(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.eval(child)
        return Unknown(f"{type(node).__name__} expressions are not folded")

    def truth(self, node: ast.expr) -> bool | Unknown:
        """Whether a condition holds: a bool when static, else the Unknown that decides it."""
        value = self.eval(node)
        if isinstance(value, DbRef):
            return True
        if isinstance(value, Unknown):
            return value
        try:
            return bool(value)
        except Exception:  # noqa: BLE001 - truthiness of a folded object is always safe to ask
            return Unknown("truth value is not static")

    def iterate(self, value: object) -> list[object] | Unknown:
        """The items a `for` loop would see, or the Unknown that prevents knowing them."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, (set, frozenset)):
            value = sorted(value, key=repr)
        elif isinstance(value, dict):
            value = list(value)
        if not isinstance(value, (list, tuple, str)):
            return Unknown(f"iteration over {type(value).__name__} is not folded")
        if len(value) > MAX_ITEMS:
            return Unknown("too many iterations to unroll")
        return list(value)

    def bind(self, target: ast.expr, value: object) -> None:
        """Assign `value` to an assignment target in the current scope."""
        if isinstance(target, ast.Name):
            self.assign_name(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target.elts, value)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value)
        elif isinstance(target, ast.Subscript):
            container, key = self.eval(target.value), self.eval(target.slice)
            if isinstance(container, (dict, list)) and find_unknown(key) is None:
                lift(operator.setitem, container, key, value)
        elif isinstance(target, ast.Attribute):
            self.eval(target.value)

    def assign_name(self, name: str, value: object) -> None:
        if is_db_name(name) and isinstance(value, (str, Unknown)):
            value = DbRef()
        self.scopes[-1][name] = value

    def lookup(self, name: str) -> object:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in BUILTIN_NAMES:
            return Imported(f"builtins.{name}")
        if is_db_name(name):
            return DbRef()
        return Unknown(f"name {name!r} is not known statically")

    # --- expression nodes ----------------------------------------------------------------------

    def _eval_Constant(self, node: ast.Constant) -> object:
        if isinstance(node.value, str):
            exact = (node.end_lineno or node.lineno) - node.lineno == node.value.count("\n")
            return SourceText(node.value, node.lineno, None, exact)
        return node.value

    def _eval_JoinedStr(self, node: ast.JoinedStr) -> object:
        return join_fstring([self._fstring_part(v) for v in node.values])

    def _fstring_part(self, node: ast.expr) -> object:
        if not isinstance(node, ast.FormattedValue):
            return self.eval(node)
        value = self.eval(node.value)
        spec = self.eval(node.format_spec) if node.format_spec else ""
        return format_field(value, spec, node.conversion)

    def _eval_Name(self, node: ast.Name) -> object:
        return self.lookup(node.id)

    def _eval_Attribute(self, node: ast.Attribute) -> object:
        return self.attribute(self.eval(node.value), node.attr)

    def _eval_Subscript(self, node: ast.Subscript) -> object:
        container, key = self.eval(node.value), self.eval(node.slice)
        if isinstance(container, Filtered) and isinstance(key, slice):
            cap = " ".join((ast.get_source_segment(self.source, node) or "").split())
            return Filtered(container, {**container.conditions, node.lineno: cap}, container.probe)
        if isinstance(container, Imported) and container.qualname == "os.environ":
            return self.environ(key, MISSING)
        if isinstance(key, str) and is_db_name(key) and isinstance(container, (Unknown, dict)):
            return DbRef()
        if (
            isinstance(node.value, ast.Attribute)
            and node.value.attr == "tables"
            and isinstance(key, str)
        ):
            return TableRef(key)
        return lift(operator.getitem, container, key)

    def _eval_Slice(self, node: ast.Slice) -> object:
        return lift(slice, self.eval(node.lower), self.eval(node.upper), self.eval(node.step))

    def _eval_BinOp(self, node: ast.BinOp) -> object:
        """`a + b + c + ...` is nested to the left: folded in a loop, so that a string built
        from hundreds of terms does not exhaust the interpreter's stack."""
        chain = []
        operand: ast.expr = node
        while isinstance(operand, ast.BinOp):
            chain.append(operand)
            operand = operand.left
        value = self.eval(operand)
        for link in reversed(chain):
            value = self._binop(link, value, self.eval(link.right))
        return value

    def _binop(self, node: ast.BinOp, left: object, right: object) -> object:
        result = binop(type(node.op), left, right)
        if isinstance(result, Unknown) and isinstance(node.op, (ast.Add, ast.Mod)):
            if isinstance(left, str):
                result.prefix = left if isinstance(node.op, ast.Add) else left.split("%")[0]
            elif isinstance(left, Unknown):
                result.prefix = left.prefix
        return result

    def _eval_UnaryOp(self, node: ast.UnaryOp) -> object:
        ops: dict[type, Callable[[Any], object]] = {
            ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
            ast.Invert: operator.invert,
        }  # fmt: skip
        operand = self.eval(node.operand)
        if isinstance(operand, DbRef) and isinstance(node.op, ast.Not):
            return False
        result = lift(ops[type(node.op)], operand)
        if isinstance(result, Unknown) and isinstance(operand, Unknown):
            result.dialect = operand.dialect
        return result

    def _eval_BoolOp(self, node: ast.BoolOp) -> object:
        is_and = isinstance(node.op, ast.And)
        unknowns: list[Unknown] = []
        value: object = None
        for operand in node.values:
            value = self.eval(operand)
            if isinstance(value, Unknown):
                unknowns.append(value)
            elif bool(value) != is_and:
                return value
        if not unknowns:
            return value
        return Unknown(
            unknowns[0].why,
            probe=any(u.probe for u in unknowns),
            dialect=any(u.dialect for u in unknowns),
        )

    def _eval_Compare(self, node: ast.Compare) -> object:
        left = self.eval(node.left)
        outcome: object = True
        for op, comparator in zip(node.ops, node.comparators):
            right = self.eval(comparator)
            result = self.compare(type(op), left, right)
            if result is False:
                return False
            if isinstance(result, Unknown) and not isinstance(outcome, Unknown):
                outcome = result
            left = right
        return outcome

    def compare(self, op: type, left: object, right: object) -> object:
        if isinstance(left, DbRef) or isinstance(right, DbRef):
            return db_compare(op, left, right, self.dialect)
        return lift(CMPOPS[op], left, right)

    def _eval_IfExp(self, node: ast.IfExp) -> object:
        test = self.truth(node.test)
        if not isinstance(test, Unknown):
            return self.eval(node.body if test else node.orelse)
        self.eval(node.body)
        orelse = self.eval(node.orelse)
        default = getattr(orelse, "default", MISSING) if isinstance(orelse, Unknown) else orelse
        return Unknown(test.why, probe=test.probe, default=default, dialect=test.dialect)

    def _eval_Call(self, node: ast.Call) -> object:
        hooked = self.call_hook(node)
        if hooked is not NOT_HANDLED:
            return hooked
        func = self.eval(node.func)
        args, kwargs = self.eval_args(node)
        result = self.apply(func, args, kwargs, node)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if method in PROBE_METHODS and isinstance(result, Unknown):
            return Unknown(
                f"what {method}() reads from the database", probe=True, read_at=result.read_at
            )  # the receiver's, through apply()
        return result

    def eval_args(self, node: ast.Call) -> tuple[list[object], dict[str, object]]:
        args: list[object] = []
        for arg in node.args:
            value = self.eval(arg.value if isinstance(arg, ast.Starred) else arg)
            if not isinstance(arg, ast.Starred):
                args.append(value)
            elif isinstance(value, (list, tuple)):
                args.extend(value)
            else:
                args.append(Unknown("*arguments are not static"))
        kwargs: dict[str, object] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value)
            if keyword.arg is not None:
                kwargs[keyword.arg] = value
            elif isinstance(value, dict):
                kwargs.update({str(k): v for k, v in value.items()})
            else:
                kwargs["**"] = Unknown("**arguments are not static")
        return args, kwargs

    def _eval_List(self, node: ast.List) -> object:
        return self._elements(node.elts)

    def _eval_Tuple(self, node: ast.Tuple) -> object:
        return tuple(self._elements(node.elts))

    def _eval_Set(self, node: ast.Set) -> object:
        return lift(set, self._elements(node.elts))

    def _elements(self, nodes: list[ast.expr]) -> list[object]:
        values: list[object] = []
        for element in nodes:
            if isinstance(element, ast.Starred):
                inner = self.iterate(self.eval(element.value))
                values.extend([inner] if isinstance(inner, Unknown) else inner)
            else:
                values.append(self.eval(element))
        return values

    def _eval_Dict(self, node: ast.Dict) -> object:
        result: dict[object, object] = {}
        for key_node, value_node in zip(node.keys, node.values):
            value = self.eval(value_node)
            if key_node is None:
                if not isinstance(value, dict):
                    return Unknown("**mapping is not static")
                result.update(value)
                continue
            key = self.eval(key_node)
            if find_unknown(key) is not None:
                return Unknown("dict key is not static")
            result[key] = value
        return result

    def _eval_ListComp(self, node: ast.ListComp) -> object:
        return self._comprehension(node.generators, lambda: self.eval(node.elt), filtered=True)

    def _eval_GeneratorExp(self, node: ast.GeneratorExp) -> object:
        return self._comprehension(node.generators, lambda: self.eval(node.elt), filtered=True)

    def _eval_SetComp(self, node: ast.SetComp) -> object:
        return lift(set, self._comprehension(node.generators, lambda: self.eval(node.elt)))

    def _eval_DictComp(self, node: ast.DictComp) -> object:
        pairs = self._comprehension(
            node.generators, lambda: (self.eval(node.key), self.eval(node.value))
        )
        return lift(dict, pairs)

    def _comprehension(
        self,
        generators: list[ast.comprehension],
        produce: Callable[[], object],
        filtered: bool = False,
    ) -> object:
        """The items; a list filtered on a run-time condition is every item of the constant list
        it filters (`filtered`: a `Filtered` list that says so), otherwise Unknown."""
        self.scopes.append({})
        conditions: dict[int, Unknown] = {}
        try:
            out: list[object] = []
            status = self._generate(generators, produce, out, conditions if filtered else None)
        finally:
            self.scopes.pop()
        if status is not None:
            return status
        if conditions:
            code = {line: self._code_at(line, generators) for line in conditions}
            return Filtered(out, code, probe=any(u.probe for u in conditions.values()))
        return out

    def _code_at(self, line: int, generators: list[ast.comprehension]) -> str:
        test = next(t for g in generators for t in g.ifs if t.lineno == line)
        return " ".join((ast.get_source_segment(self.source, test) or "").split())

    def _generate(
        self,
        gens: list[ast.comprehension],
        produce: Callable[[], object],
        out: list[object],
        conditions: dict[int, Unknown] | None = None,
    ) -> Unknown | None:
        """Unroll comprehension generators over known iterables; Unknown if any is not static.
        With `conditions`, a filter known only at run time keeps the item and is recorded."""
        if not gens:
            out.append(produce())
            return Unknown("too many items to fold") if len(out) > MAX_ITEMS else None
        gen, rest = gens[0], gens[1:]
        items = self.iterate(self.eval(gen.iter))
        if isinstance(items, Unknown):
            self.bind(gen.target, Unknown(items.why, probe=items.probe, read_at=items.read_at))
            for condition in gen.ifs:
                self.eval(condition)
            self._generate(rest, produce, [])
            return Unknown(items.why, probe=items.probe, read_at=items.read_at)
        for item in items:
            self.bind(gen.target, item)
            tests = [self.truth(condition) for condition in gen.ifs]
            if any(t is False for t in tests):
                continue
            undecided = next((t for t in tests if isinstance(t, Unknown)), None)
            if undecided is not None and conditions is not None:
                line = next(c.lineno for c, t in zip(gen.ifs, tests) if t is undecided)
                conditions.setdefault(line, undecided)
                undecided = None
            status = self._generate(rest, produce, out, conditions)
            if undecided is not None or status is not None:
                return Unknown((undecided or status).why, probe=(undecided or status).probe)  # type: ignore[union-attr]
        return None

    def _eval_NamedExpr(self, node: ast.NamedExpr) -> object:
        value = self.eval(node.value)
        self.bind(node.target, value)
        return value

    def _eval_Await(self, node: ast.Await) -> object:
        return self.eval(node.value)

    def _eval_Lambda(self, node: ast.Lambda) -> object:
        return Unknown("lambda functions are not followed")

    def _unpack(self, targets: list[ast.expr], value: object) -> None:
        items = self.iterate(value) if not isinstance(value, str) else list(value)
        star = next((i for i, t in enumerate(targets) if isinstance(t, ast.Starred)), None)
        fits = not isinstance(items, Unknown) and (
            len(items) == len(targets) if star is None else len(items) >= len(targets) - 1
        )
        if isinstance(items, Unknown) or not fits:
            unknown = items if isinstance(items, Unknown) else Unknown("unpacking does not fit")
            for target in targets:
                self.bind(target, Unknown(unknown.why, probe=unknown.probe))
            return
        if star is None:
            for target, item in zip(targets, items):
                self.bind(target, item)
            return
        after = len(targets) - star - 1
        for target, item in zip(targets[:star], items):
            self.bind(target, item)
        self.bind(targets[star], items[star : len(items) - after])
        for target, item in zip(targets[star + 1 :], items[len(items) - after :]):
            self.bind(target, item)
