"""Static folding of Python expressions: what a legacy script computes, without running it.

`Evaluator` walks expression nodes and returns plain Python values (str, int, list, dict, ...)
when every input is a constant, or an `Unknown` saying why not. Only pure, allow-listed operations
are performed on known values (string methods, formatting, os.path, json.dumps); files are read,
never executed, and only inside the project root. The database the script talks to is the
symbolic `DbRef`, so `'sqlite' in DATABASE_URL` or `engine.dialect.name == "postgresql"` can be
decided for the target dialect.
"""

from __future__ import annotations

import ast
import inspect
import json
import operator
import os.path
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from converter.core.dialects import dialect_family
from converter.extract.sql import decode_source, sql_literal

MAX_STR = 50_000_000
MAX_ITEMS = 10_000
MISSING = object()
NOT_HANDLED = object()


class _Opaque:
    """Values of the folder that stand for objects: turning them into text is never static."""

    __slots__ = ()

    def __str__(self) -> str:
        raise TypeError(f"{type(self).__name__} has no static text")

    def __format__(self, spec: str) -> str:
        raise TypeError(f"{type(self).__name__} has no static text")


class Unknown(_Opaque):
    """A value only known at run time. `probe`: derived from reading the database's state.

    `prefix`: the known start of a string (a read query can be recognised by it); `default`: the
    value the script falls back to (an environment variable's default, `argv[1] if ... else x`).
    """

    __slots__ = ("default", "dialect", "prefix", "probe", "read_at", "why")

    def __init__(
        self,
        why: str,
        probe: bool = False,
        prefix: str = "",
        default: object = MISSING,
        dialect: bool = False,
        read_at: tuple[int, int] | None = None,
    ) -> None:
        self.why = why
        self.probe = probe
        self.prefix = prefix
        self.default = default
        self.dialect = dialect
        # Rows a query read: (line of the query, how many items the script had produced then).
        self.read_at = read_at

    def __repr__(self) -> str:
        return f"Unknown({self.why!r}, probe={self.probe})"


class DbRef(Unknown):
    """The database the script runs against (its URL, engine, dialect name): the target."""

    def __init__(self) -> None:
        super().__init__("the database URL or dialect is only known at run time", dialect=True)


class External(Unknown):
    """A name from the project's own modules (`from models import db, User`): not read."""

    def __init__(self, qualname: str) -> None:
        super().__init__(f"{qualname} is defined outside the script")
        self.qualname = qualname


class SourceText(str):
    """A string as written in a source: where it starts (line 0: unknown), whether its lines
    match the file, and whether it went through SQLAlchemy `text()` (binds are `:name`)."""

    path: str | None
    line: int
    exact: bool
    sqlalchemy: bool

    def __new__(  # noqa: PYI034 - nothing subclasses SourceText
        cls,
        value: str,
        line: int,
        path: str | None = None,
        exact: bool = True,
        sqlalchemy: bool = False,
    ) -> SourceText:
        text = super().__new__(cls, value)
        text.line, text.path, text.exact, text.sqlalchemy = line, path, exact, sqlalchemy
        return text


def text_clause(sql: object) -> object:
    """What `sqlalchemy.text(sql)` folds to: the same text, marked for `:name` binds."""
    if isinstance(sql, SourceText):
        return SourceText(sql, sql.line, sql.path, sql.exact, sqlalchemy=True)
    if isinstance(sql, str):
        return SourceText(sql, 0, None, False, sqlalchemy=True)
    return sql


@dataclass(frozen=True)
class Imported(_Opaque):
    """A module or a name imported from one, by qualified name (`os.path.join`)."""

    qualname: str


@dataclass(eq=False)
class FunctionRef(_Opaque):
    """A function or method defined in the script, with the scopes it closes over."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    closure: list[dict[str, object]]
    owner: str | None = None


@dataclass(frozen=True)
class ModelClass(_Opaque):
    """A SQLAlchemy model class defined in the script."""

    name: str
    tablename: str | None


@dataclass(frozen=True)
class TableRef(_Opaque):
    """A table the script names: `Model.__table__`, `Table("x", ...)`, `metadata.tables["x"]`."""

    name: str | None
    model: str | None = None


@dataclass(frozen=True)
class FileHandle(_Opaque):
    """A file opened for reading."""

    path: PurePath


@dataclass(frozen=True)
class Member(_Opaque):
    """`obj.name` on a known value, waiting to be called."""

    obj: object
    name: str


@dataclass
class _Defaults:
    """Accumulates the fallback values of Unknown operands while lifting an operation."""

    ok: bool = True
    probe: bool = False
    dialect: bool = False
    first: Unknown | None = None


_DB_NAME = re.compile(r"(?:^|_)(?:url|uri|dsn)$|^(?:engine|db_engine|bind|dialect)$", re.IGNORECASE)
_DB_KEY = re.compile(r"database|db_|_db|sqlalchemy|dsn|^db$", re.IGNORECASE)
_PROBE_METHODS = frozenset({
    "fetchone", "fetchall", "fetchmany", "fetchval", "fetchrow", "scalar", "scalar_one",
    "scalar_one_or_none", "scalars", "first", "one", "one_or_none", "all", "get_columns",
    "get_table_names", "get_indexes", "get_unique_constraints", "get_foreign_keys",
    "get_pk_constraint", "has_table", "has_index", "has_column", "get_view_names",
})  # fmt: skip
_STR_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold", "replace",
    "format", "format_map", "join", "split", "rsplit", "splitlines", "startswith", "endswith",
    "removeprefix", "removesuffix", "count", "find", "rfind", "index", "partition", "rpartition",
    "isdigit", "isalpha", "isidentifier",
})  # fmt: skip
_LIST_METHODS = frozenset(["append", "extend", "insert", "pop", "index", "count", "copy"])
_DICT_METHODS = frozenset(["get", "items", "keys", "values", "copy", "update", "setdefault", "pop"])
_BINOPS: dict[type, Callable[[object, object], object]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.BitOr: operator.or_, ast.BitAnd: operator.and_,
}  # fmt: skip
_CMPOPS: dict[type, Callable[[object, object], object]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,  # type: ignore[operator]
}  # fmt: skip


def family(word: str) -> str | None:
    """The dialect a URL scheme, driver or dialect name belongs to (`postgresql+psycopg2`)."""
    head = re.match(r"[a-z0-9]+", word.strip().lower())
    return dialect_family(head.group()) if head else None


def is_db_name(name: str) -> bool:
    """Names scripts use for the database URL, engine or dialect (`DATABASE_URL`, `engine`)."""
    return bool(_DB_NAME.search(name)) and (bool(_DB_KEY.search(name)) or "_" not in name)


def find_unknown(value: object, depth: int = 0) -> Unknown | None:
    """The first Unknown inside a value, looking into containers."""
    if isinstance(value, Unknown):
        return value
    if depth < 4 and isinstance(value, (list, tuple, set, frozenset)):
        return next(filter(None, (find_unknown(v, depth + 1) for v in value)), None)
    if depth < 4 and isinstance(value, dict):
        return next(filter(None, (find_unknown(v, depth + 1) for v in value.values())), None)
    return None


def _substitute(value: object, acc: _Defaults) -> object:
    """`value` with each Unknown replaced by its default (recorded in `acc`)."""
    if isinstance(value, Unknown):
        acc.probe |= value.probe
        acc.dialect |= value.dialect
        acc.first = acc.first or value
        if value.default is MISSING:
            acc.ok = False
        return value.default
    if isinstance(value, (list, tuple)) and find_unknown(value):
        return type(value)(_substitute(v, acc) for v in value)
    if isinstance(value, dict) and find_unknown(value):
        return {k: _substitute(v, acc) for k, v in value.items()}
    return value


def lift(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
    """Apply a pure operation to known values; propagate Unknown (and its default) otherwise."""
    if find_unknown(args) is None and find_unknown(kwargs) is None:
        return _attempt(fn, args, kwargs)
    acc = _Defaults()
    args = tuple(_substitute(a, acc) for a in args)
    kwargs = {k: _substitute(v, acc) for k, v in kwargs.items()}
    assert acc.first is not None
    default = _attempt(fn, args, kwargs) if acc.ok else MISSING
    if isinstance(default, Unknown):
        default = MISSING
    return Unknown(
        acc.first.why,
        probe=acc.probe,
        default=default,
        dialect=acc.dialect,
        read_at=acc.first.read_at,
    )


def _attempt(fn: Callable[..., object], args: tuple[object, ...], kw: dict[str, object]) -> object:
    """Run a pure operation; what the script would raise on is simply not known statically."""
    try:
        result = fn(*args, **kw)
    except Exception as e:  # noqa: BLE001 - any failure of a pure operation means "not static"
        return Unknown(f"{getattr(fn, '__name__', 'operation')} fails statically: {e}")
    if isinstance(result, (str, list, tuple, dict)) and len(result) > MAX_STR:
        return Unknown("value too large to fold")
    return result


def binop(op: type, left: object, right: object) -> object:
    """Binary operators on folded values, refusing the ones that can blow up memory or time."""
    sized = (str, list, tuple)
    repeats = op is ast.Mult and isinstance(right, int) and isinstance(left, sized)
    joins = op is ast.Add and isinstance(left, sized) and isinstance(right, sized)
    if repeats and len(left) * right > MAX_STR:  # type: ignore[arg-type, operator]
        return Unknown("value too large to fold")
    if joins and len(left) + len(right) > MAX_STR:  # type: ignore[arg-type]
        return Unknown("value too large to fold")
    if op is ast.Mod and isinstance(left, str) and _HUGE_WIDTH.search(left):
        return Unknown("format width too large to fold")
    if op not in _BINOPS:
        return Unknown(f"operator {op.__name__} is not folded")
    return lift(_BINOPS[op], left, right)


_HUGE_WIDTH = re.compile(r"%[-+ #0]*\d{6}|[{:][^{}]*\d{6}")


def _format(template: str, *args: object, **kwargs: object) -> str:
    """str.format, refusing widths that would allocate huge strings."""
    if _HUGE_WIDTH.search(template):
        raise ValueError("format width too large to fold")
    return str.format(template, *args, **kwargs)


def _replace(text: str, old: str, new: str, count: int = -1) -> str:
    if len(new) > len(old) and (len(text) + 1) * len(new) > MAX_STR:
        raise ValueError("result too large to fold")
    return str.replace(text, old, new, count)


def _dedent(text: str) -> str:
    result = textwrap.dedent(text)
    if isinstance(text, SourceText):
        return SourceText(result, text.line, text.path, text.exact)
    return result


def _strip(text: str, chars: str | None = None, method: str = "strip") -> str:
    """str.strip family; a SourceText keeps its line, moved past the stripped leading newlines."""
    result = getattr(str, method)(text, chars)
    if not isinstance(text, SourceText):
        return result
    removed = 0 if method == "rstrip" else len(text) - len(text.lstrip(chars))
    return SourceText(result, text.line + text.count("\n", 0, removed), text.path, text.exact)


def _split(text: str, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    """str.split; pieces of a SourceText keep the line they start on."""
    parts = str.split(text, sep, maxsplit)
    if not isinstance(text, SourceText) or not sep:
        return parts
    located: list[str] = []
    line, offset = text.line, 0
    for part in parts:
        located.append(SourceText(part, line, text.path, text.exact))
        line += text.count("\n", offset, offset + len(part) + len(sep))
        offset += len(part) + len(sep)
    return located


def _identifier(*names: str) -> str:
    """psycopg2.sql.Identifier: always double-quoted, dotted when several names are given."""
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


def _repr(value: object) -> str:
    if isinstance(value, _Opaque):
        raise TypeError("repr() of an object is not static")
    return repr(value)


def _to_str(value: object = "") -> str:
    return value if isinstance(value, str) else str(value)


def _bounded(make: Callable[..., Iterable[object]]) -> Callable[..., list[object]]:
    """Materialise an iterator-returning builtin, refusing runaway sizes."""

    def run(*args: object) -> list[object]:
        items = []
        for item in make(*args):
            items.append(item)
            if len(items) > MAX_ITEMS:
                raise ValueError("too many items")
        return items

    return run


_PURE_FUNCTIONS: dict[str, Callable[..., object]] = {
    "builtins.str": _to_str, "builtins.int": int, "builtins.float": float, "builtins.bool": bool,
    "builtins.len": len, "builtins.sorted": sorted, "builtins.list": list, "builtins.tuple": tuple,
    "builtins.dict": dict, "builtins.set": set, "builtins.min": min, "builtins.max": max,
    "builtins.sum": sum, "builtins.any": any, "builtins.all": all, "builtins.repr": _repr,
    "builtins.abs": abs, "builtins.round": round, "builtins.chr": chr,
    "builtins.ord": ord, "builtins.reversed": _bounded(reversed),
    "builtins.enumerate": _bounded(enumerate), "builtins.zip": _bounded(zip),
    "builtins.range": _bounded(range), "textwrap.dedent": _dedent,
    "textwrap.indent": textwrap.indent,
    "inspect.cleandoc": inspect.cleandoc, "os.path.join": os.path.join,
    "os.path.dirname": os.path.dirname, "os.path.basename": os.path.basename,
    "os.path.splitext": os.path.splitext, "os.path.normpath": os.path.normpath,
    "json.dumps": json.dumps, "json.loads": json.loads, "re.split": re.split, "re.sub": re.sub,
}  # fmt: skip
_EXTRA_BUILTINS = {"open", "print", "isinstance", "getattr", "hasattr", "type", "exit", "quit"}
_BUILTIN_NAMES = {
    name.split(".")[1] for name in _PURE_FUNCTIONS if name[0] == "b"
} | _EXTRA_BUILTINS
_DB_ATTRS = frozenset(
    ["url", "dialect", "name", "drivername", "driver", "engine", "bind", "backend_name"]
)
_PATH_CLASSES = frozenset(
    f"pathlib.{n}" for n in ("Path", "PurePath", "PosixPath", "PurePosixPath")
)


class Evaluator:
    """Folds the expressions of one script in its scopes; `ScriptWalker` adds the statements.

    Subclasses hook `call_hook` (database calls) and `call_function` (the script's functions).
    """

    def __init__(self, source: str, script: Path, root: Path, dialect: str) -> None:
        self.source = source
        self.script = script
        self.root = root
        self.dialect = dialect
        self.globals: dict[str, object] = {"__name__": "__main__", "__file__": str(script)}
        self.scopes: list[dict[str, object]] = [self.globals]

    def call_hook(self, node: ast.Call) -> object:
        """A call the subclass recognises by its shape (cursor.execute...), or NOT_HANDLED."""
        return NOT_HANDLED

    def call_function(
        self, fn: FunctionRef, args: list[object], kwargs: dict[str, object], node: ast.Call | None
    ) -> object:
        """Run one of the script's own functions; the base class does not follow calls."""
        return Unknown(f"{fn.node.name}() is not followed")

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
        if name in _BUILTIN_NAMES:
            return Imported(f"builtins.{name}")
        if is_db_name(name):
            return DbRef()
        return Unknown(f"name {name!r} is not known statically")

    def read_file(self, path: object) -> object:
        """Text of a file the script reads, relative to its directory, then to the project root."""
        if isinstance(path, Unknown):
            return Unknown(f"the path of the file read is not static ({path.why})")
        relative = PurePosixPath(str(path))
        bases = [self.script.parent, self.root] if not relative.is_absolute() else [Path("/")]
        for base in bases:
            candidate = Path(os.path.normpath(base / relative))
            inside = os.path.commonpath([candidate, self.root.resolve()]) == str(
                self.root.resolve()
            )
            if inside and candidate.is_file():
                rel = candidate.relative_to(self.root.resolve()).as_posix()
                return SourceText(decode_source(candidate.read_bytes(), rel), 1, rel, True)
        return Unknown(f"file {str(path)!r} is not found inside the project")

    # --- expression nodes ----------------------------------------------------------------------

    def _eval_Constant(self, node: ast.Constant) -> object:
        if isinstance(node.value, str):
            exact = (node.end_lineno or node.lineno) - node.lineno == node.value.count("\n")
            return SourceText(node.value, node.lineno, None, exact)
        return node.value

    def _eval_JoinedStr(self, node: ast.JoinedStr) -> object:
        parts = [self._fstring_part(v) for v in node.values]
        if find_unknown(parts) is None:
            return "".join(map(str, parts))
        prefix = ""
        for part in parts:
            if not isinstance(part, str):
                break
            prefix += part
        result = lift(lambda *ps: "".join(ps), *parts)
        assert isinstance(result, Unknown)
        return Unknown(result.why, result.probe, prefix, result.default)

    def _fstring_part(self, node: ast.expr) -> object:
        if not isinstance(node, ast.FormattedValue):
            return self.eval(node)
        value = self.eval(node.value)
        spec = self.eval(node.format_spec) if node.format_spec else ""
        convert = {115: str, 114: repr, 97: ascii}.get(node.conversion)
        if isinstance(spec, str) and _HUGE_WIDTH.search(":" + spec):
            return Unknown("format width too large to fold")
        if convert is not None and convert is not str and isinstance(value, _Opaque):
            return Unknown("repr() of an object is not static")
        return lift(lambda v, s: format(convert(v) if convert else v, s), value, spec)

    def _eval_Name(self, node: ast.Name) -> object:
        return self.lookup(node.id)

    def _eval_Attribute(self, node: ast.Attribute) -> object:
        return self.attribute(self.eval(node.value), node.attr)

    def attribute(self, obj: object, name: str) -> object:
        """`obj.name` for folded objects; methods come back as Member, to be called."""
        if isinstance(obj, DbRef):
            return obj if name in _DB_ATTRS else Member(obj, name)
        if isinstance(obj, Imported):
            if obj.qualname == "sys" and name == "argv":
                return Unknown("command-line arguments (sys.argv)")
            if obj.qualname == "re" and isinstance(getattr(re, name, None), re.RegexFlag):
                return getattr(re, name)
            return Imported(f"{obj.qualname}.{name}")
        if isinstance(obj, External):
            if name == "__table__":
                return TableRef(None, obj.qualname.rsplit(".", 1)[-1])
            if name in ("engine", "url", "dialect", "bind") or is_db_name(name):
                return DbRef()
            return External(f"{obj.qualname}.{name}")
        if isinstance(obj, Unknown):
            return (
                DbRef()
                if name in ("engine", "url", "dialect", "bind")
                else Unknown(obj.why, obj.probe, read_at=obj.read_at)
            )
        if isinstance(obj, ModelClass):
            if name == "__table__":
                return TableRef(obj.tablename, obj.name)
            if name == "__tablename__":
                return obj.tablename or Unknown(f"table name of {obj.name}")
        if isinstance(obj, TableRef) and name == "name":
            return obj.name or Unknown("table name is not static")
        if isinstance(obj, PurePath) and name in ("parent", "name", "stem", "suffix"):
            return getattr(obj, name)
        return Member(obj, name)

    def _eval_Subscript(self, node: ast.Subscript) -> object:
        container, key = self.eval(node.value), self.eval(node.slice)
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
        left, right = self.eval(node.left), self.eval(node.right)
        result = binop(type(node.op), left, right)
        if isinstance(result, Unknown) and isinstance(node.op, (ast.Add, ast.Mod)):
            if isinstance(left, str):
                result.prefix = left if isinstance(node.op, ast.Add) else left.split("%")[0]
            elif isinstance(left, Unknown):
                result.prefix = left.prefix
        return result

    def _eval_UnaryOp(self, node: ast.UnaryOp) -> object:
        ops = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
               ast.Invert: operator.invert}  # fmt: skip
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
            return self._db_compare(op, left, right)
        return lift(_CMPOPS[op], left, right)

    def _db_compare(self, op: type, left: object, right: object) -> object:
        """Decide a test on the database URL or dialect name for the target dialect."""
        other = left if isinstance(right, DbRef) else right
        if op in (ast.Is, ast.IsNot) and other is None:
            return op is ast.IsNot
        if op in (ast.Eq, ast.NotEq) and isinstance(other, str):
            decided: object = family(other)
        elif op in (ast.In, ast.NotIn) and isinstance(right, DbRef) and isinstance(left, str):
            decided = family(left)
        elif op in (ast.In, ast.NotIn) and isinstance(right, (list, tuple, set)):
            families = {family(v) if isinstance(v, str) else None for v in right}
            decided = (
                self.dialect if self.dialect in families else (None if None in families else "")
            )
        else:
            decided = None
        if decided is None:
            return Unknown("the test on the database dialect cannot be decided", dialect=True)
        holds = decided == self.dialect
        return holds if op in (ast.Eq, ast.In) else not holds

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
        if method in _PROBE_METHODS and isinstance(result, Unknown):
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

    def apply(
        self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call | None
    ) -> object:
        """Call a folded callable: the script's own functions, allow-listed pure functions."""
        if isinstance(func, FunctionRef):
            return self.call_function(func, args, kwargs, node)
        if isinstance(func, Imported):
            return self._call_imported(func.qualname, args, kwargs)
        if isinstance(func, Member):
            return self._call_member(func.obj, func.name, args, kwargs)
        if isinstance(func, Unknown):
            return Unknown(func.why, probe=func.probe, read_at=func.read_at)
        return Unknown(f"calling {type(func).__name__} is not folded")

    def _call_imported(
        self, qualname: str, args: list[object], kwargs: dict[str, object]
    ) -> object:
        last = qualname.rsplit(".", 1)[-1]
        if qualname == "builtins.str" and args and isinstance(args[0], DbRef):
            return args[0]
        if qualname in _PURE_FUNCTIONS:
            return lift(_PURE_FUNCTIONS[qualname], *args, **kwargs)
        if qualname in ("os.environ.get", "os.getenv"):
            return self.environ(args[0] if args else None, args[1] if len(args) > 1 else None)
        if qualname in ("os.path.abspath", "os.path.realpath") and args:
            return lift(lambda p: os.path.normpath(os.path.join(self.root, p)), args[0])
        if qualname in _PATH_CLASSES:
            return lift(lambda *parts: PurePosixPath(*map(str, parts)), *args)
        if qualname == "builtins.open":
            mode = kwargs.get("mode", args[1] if len(args) > 1 else "r")
            if isinstance(mode, str) and "r" in mode and "+" not in mode and args:
                return lift(lambda p: FileHandle(PurePosixPath(str(p))), args[0])
            return Unknown("a file opened for writing")
        if last == "text" and args:
            return text_clause(args[0])
        if qualname.startswith("sqlalchemy") and last == "DDL" and args:
            return args[0]
        if qualname.startswith("sqlalchemy") and last in ("table", "Table") and args:
            return TableRef(args[0]) if isinstance(args[0], str) else TableRef(None)
        if qualname == "builtins.print":
            return None
        if qualname.startswith(("psycopg2.sql.", "psycopg.sql.")):
            return self._psycopg_sql(last, args)
        return Unknown(f"{qualname}() is not evaluated statically")

    def _psycopg_sql(self, name: str, args: list[object]) -> object:
        """psycopg2.sql composition renders to plain SQL text; `.format()` is str.format."""
        if name == "SQL" and args and isinstance(args[0], str):
            return args[0]
        if name == "Identifier":
            return lift(_identifier, *args)
        if name == "Literal" and args:
            return lift(lambda value: sql_literal(value, "postgres"), args[0])
        if name == "Placeholder":
            return lift(lambda n=None: f"%({n})s" if n else "%s", *args)
        return Unknown(f"psycopg2.sql.{name}() is not folded")

    def environ(self, key: object, default: object) -> object:
        """An environment variable: the database URL is the target; others keep their default."""
        if isinstance(key, str) and is_db_name(key):
            return DbRef()
        return Unknown(f"environment variable {key!r}", default=default)

    def _call_member(
        self, obj: object, name: str, args: list[object], kw: dict[str, object]
    ) -> object:
        if isinstance(obj, DbRef):
            return self._db_method(obj, name, args)
        if isinstance(obj, str) and name in _STR_METHODS:
            if name in ("strip", "lstrip", "rstrip"):
                return lift(_strip, obj, *args, method=name)
            if name in ("split", "format", "replace"):
                operation = {"split": _split, "format": _format, "replace": _replace}[name]
                result = lift(operation, obj, *args, **kw)
                if isinstance(result, Unknown) and name == "format":
                    result.prefix = obj.split("{")[0]
                return result
            return lift(getattr(str, name), obj, *args, **kw)
        if isinstance(obj, str) and name in ("as_string", "execution_options"):
            return obj
        if isinstance(obj, list) and name in _LIST_METHODS:
            return _attempt(getattr(list, name), (obj, *args), kw)
        if isinstance(obj, dict) and name in _DICT_METHODS:
            result = _attempt(getattr(dict, name), (obj, *args), kw)
            return list(result) if name in ("items", "keys", "values") else result  # type: ignore
        if isinstance(obj, tuple) and name in ("index", "count"):
            return lift(getattr(tuple, name), obj, *args)
        if isinstance(obj, PurePath):
            return self._path_method(obj, name, args)
        if isinstance(obj, FileHandle):
            return self._file_method(obj, name)
        kind = "str" if isinstance(obj, str) else type(obj).__name__
        return Unknown(f"{kind}.{name}() is not folded")

    def _db_method(self, obj: DbRef, name: str, args: list[object]) -> object:
        """Methods of the database URL / dialect name: `startswith` is decided by family."""
        if name in ("lower", "upper", "strip", "casefold", "get_backend_name", "get_driver_name"):
            return obj
        if name not in ("startswith", "endswith", "find", "count", "split", "__contains__"):
            return Unknown(f"result of {name}() on the database")
        if name == "startswith" and args:
            prefixes = args[0] if isinstance(args[0], tuple) else (args[0],)
            if all(isinstance(p, str) and family(p) for p in prefixes):
                return any(family(p) == self.dialect for p in prefixes)  # type: ignore[arg-type]
        return Unknown("the test on the database dialect cannot be decided", dialect=True)

    def _path_method(self, path: PurePath, name: str, args: list[object]) -> object:
        if name == "read_text":
            return self.read_file(path)
        if name == "open":
            return FileHandle(path)
        if name in ("joinpath", "with_suffix", "with_name", "relative_to", "as_posix"):
            return lift(getattr(PurePosixPath, name), path, *args)
        if name in ("resolve", "absolute"):
            return PurePosixPath(os.path.normpath(os.path.join(self.root, path)))
        return Unknown(f"Path.{name}() reads the file system at run time")

    def _file_method(self, handle: FileHandle, name: str) -> object:
        if name == "read":
            return self.read_file(handle.path)
        if name == "readlines":
            return lift(lambda text: text.splitlines(keepends=True), self.read_file(handle.path))
        if name == "close":
            return None
        return Unknown(f"file.{name}() is not folded")

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
        return self._comprehension(node.generators, lambda: self.eval(node.elt))

    def _eval_GeneratorExp(self, node: ast.GeneratorExp) -> object:
        return self._comprehension(node.generators, lambda: self.eval(node.elt))

    def _eval_SetComp(self, node: ast.SetComp) -> object:
        return lift(set, self._comprehension(node.generators, lambda: self.eval(node.elt)))

    def _eval_DictComp(self, node: ast.DictComp) -> object:
        pairs = self._comprehension(
            node.generators, lambda: (self.eval(node.key), self.eval(node.value))
        )
        return lift(dict, pairs)

    def _comprehension(
        self, generators: list[ast.comprehension], produce: Callable[[], object]
    ) -> object:
        self.scopes.append({})
        try:
            out: list[object] = []
            status = self._generate(generators, produce, out)
        finally:
            self.scopes.pop()
        return out if status is None else status

    def _generate(
        self, gens: list[ast.comprehension], produce: Callable[[], object], out: list[object]
    ) -> Unknown | None:
        """Unroll comprehension generators over known iterables; Unknown if any is not static."""
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
            status = self._generate(rest, produce, out)
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
