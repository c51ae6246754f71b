"""What the static folder computes with: plain Python values, or markers for what is not static.

A folded expression is a plain value (str, int, list, dict, ...) when every input is a constant.
Otherwise it is an `Unknown` saying why, or one of the opaque markers below for objects the
script names (its functions, model classes, tables, imported modules, the database itself).
`lift` applies a pure operation to such values: known inputs give the result, an Unknown input
propagates (with the value the script would fall back to, when it has one).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from converter.ir.ops import DeclaredTable

# Folded values stay small: a script can build a string or list of any size in one expression
# (`"SELECT 1;" * 5000000`, a list doubled 30 times), which would take minutes and gigabytes.
MAX_STR = 10 * 1024 * 1024  # any folded value: as large as a legacy source may be
MAX_GROWN_STR = 1_000_000  # a string a script builds by `+` or `*`
MAX_GROWN_ITEMS = 100_000  # a list or tuple a script builds by `+` or `*`
MAX_ITEMS = 10_000
MISSING = object()
NOT_HANDLED = object()


class Opaque:
    """Values of the folder that stand for objects: turning them into text is never static."""

    __slots__ = ()

    def __str__(self) -> str:
        raise TypeError(f"{type(self).__name__} has no static text")

    def __format__(self, spec: str) -> str:
        raise TypeError(f"{type(self).__name__} has no static text")


class Unknown(Opaque):
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


@dataclass(frozen=True)
class Imported(Opaque):
    """A module or a name imported from one, by qualified name (`os.path.join`)."""

    qualname: str


@dataclass(eq=False)
class FunctionRef(Opaque):
    """A function or method defined in the script, with the scopes it closes over."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    closure: list[dict[str, object]]
    owner: str | None = None


@dataclass(frozen=True)
class ModelClass(Opaque):
    """A SQLAlchemy model class defined in the script."""

    name: str
    tablename: str | None
    declared: DeclaredTable | None = None  # its table, when the class body says everything


@dataclass(frozen=True)
class TableRef(Opaque):
    """A table the script names: `Model.__table__`, `Table("x", ...)`, `metadata.tables["x"]`."""

    name: str | None
    model: str | None = None


@dataclass(frozen=True)
class FileHandle(Opaque):
    """A file opened for reading."""

    path: PurePath


@dataclass(frozen=True)
class Member(Opaque):
    """`obj.name` on a known value, waiting to be called."""

    obj: object
    name: str


class Filtered(list[object]):
    """A list a comprehension filters (or a slice caps) on a condition known only at run time:
    every item of the constant list it is built from, with the conditions the legacy run applied
    (line -> code). `probe`: a condition reads the database's state (a guard)."""

    def __init__(self, items: list[object], conditions: dict[int, str], probe: bool) -> None:
        super().__init__(items)
        self.conditions = conditions
        self.probe = probe


@dataclass
class _Defaults:
    """Accumulates the fallback values of Unknown operands while lifting an operation."""

    ok: bool = True
    probe: bool = False
    dialect: bool = False
    first: Unknown | None = None


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
        return attempt(fn, args, kwargs)
    acc = _Defaults()
    args = tuple(_substitute(a, acc) for a in args)
    kwargs = {k: _substitute(v, acc) for k, v in kwargs.items()}
    assert acc.first is not None
    default = attempt(fn, args, kwargs) if acc.ok else MISSING
    if isinstance(default, Unknown):
        default = MISSING
    return Unknown(
        acc.first.why,
        probe=acc.probe,
        default=default,
        dialect=acc.dialect,
        read_at=acc.first.read_at,
    )


def attempt(fn: Callable[..., object], args: tuple[object, ...], kw: dict[str, object]) -> object:
    """Run a pure operation; what the script would raise on is simply not known statically."""
    try:
        result = fn(*args, **kw)
    except Exception as e:  # noqa: BLE001 - any failure of a pure operation means "not static"
        return Unknown(f"{getattr(fn, '__name__', 'operation')} fails statically: {e}")
    if isinstance(result, (str, list, tuple, dict)) and len(result) > MAX_STR:
        return Unknown("value too large to fold")
    return result
