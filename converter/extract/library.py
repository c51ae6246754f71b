"""The library code the folder runs on known values, and nothing else.

An allow-list of pure builtins and methods (string, list, dict, os.path, pathlib, json, textwrap,
psycopg2.sql composition), `open()` and `Path.read_text()` of files inside the project (read,
never executed), and attributes of the objects a script names. Anything not listed is an Unknown
that says which call was not evaluated.
"""

from __future__ import annotations

import ast
import inspect
import json
import operator
import os.path
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from converter.core.diagnostics import Origin
from converter.core.dialects import Dialect
from converter.core.errors import InputError
from converter.core.files import inside, read_regular
from converter.extract.sql import decode_source, sql_literal
from converter.extract.strings import (
    HUGE_WIDTH,
    SourceText,
    dedent,
    str_format,
    str_replace,
    str_split,
    str_strip,
    text_clause,
)
from converter.extract.target import DB_ATTRS, db_method, is_db_name
from converter.extract.values import (
    MAX_GROWN_ITEMS,
    MAX_GROWN_STR,
    MAX_ITEMS,
    DbRef,
    External,
    FileHandle,
    FunctionRef,
    Imported,
    Member,
    ModelClass,
    Opaque,
    TableRef,
    Unknown,
    attempt,
    lift,
)

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
CMPOPS: dict[type, Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}  # fmt: skip


def binop(op: type, left: object, right: object) -> object:
    """Binary operators on folded values, refusing the ones that can blow up memory or time."""
    sized = (str, list, tuple)
    repeats = op is ast.Mult and isinstance(right, int) and isinstance(left, sized)
    joins = op is ast.Add and isinstance(left, sized) and isinstance(right, sized)
    limit = MAX_GROWN_STR if isinstance(left, str) else MAX_GROWN_ITEMS
    if repeats and len(left) * right > limit:  # type: ignore[arg-type, operator]
        return Unknown(f"value too large to fold (over {limit} {_unit(left)})")
    if joins and len(left) + len(right) > limit:  # type: ignore[arg-type]
        return Unknown(f"value too large to fold (over {limit} {_unit(left)})")
    if op is ast.Mod and isinstance(left, str) and HUGE_WIDTH.search(left):
        return Unknown("format width too large to fold")
    if op not in _BINOPS:
        return Unknown(f"operator {op.__name__} is not folded")
    return lift(_BINOPS[op], left, right)


def _project_relative(root: Path, path: Path, resolved: Path) -> str:
    """The path as the script names it, relative to the project (its target when it is not)."""
    base = root.resolve()
    return (path if path.is_relative_to(base) else resolved).relative_to(base).as_posix()


def _unit(value: object) -> str:
    return "characters" if isinstance(value, str) else "items"


def _identifier(*names: str) -> str:
    """psycopg2.sql.Identifier: always double-quoted, dotted when several names are given."""
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


def _repr(value: object) -> str:
    if isinstance(value, Opaque):
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


PURE_FUNCTIONS: dict[str, Callable[..., object]] = {
    "builtins.str": _to_str, "builtins.int": int, "builtins.float": float, "builtins.bool": bool,
    "builtins.len": len, "builtins.sorted": sorted, "builtins.list": list, "builtins.tuple": tuple,
    "builtins.dict": dict, "builtins.set": set, "builtins.min": min, "builtins.max": max,
    "builtins.sum": sum, "builtins.any": any, "builtins.all": all, "builtins.repr": _repr,
    "builtins.abs": abs, "builtins.round": round, "builtins.chr": chr,
    "builtins.ord": ord, "builtins.reversed": _bounded(reversed),
    "builtins.enumerate": _bounded(enumerate), "builtins.zip": _bounded(zip),
    "builtins.range": _bounded(range), "textwrap.dedent": dedent,
    "textwrap.indent": textwrap.indent,
    "inspect.cleandoc": inspect.cleandoc, "os.path.join": os.path.join,
    "os.path.dirname": os.path.dirname, "os.path.basename": os.path.basename,
    "os.path.splitext": os.path.splitext, "os.path.normpath": os.path.normpath,
    "json.dumps": json.dumps, "json.loads": json.loads, "re.split": re.split, "re.sub": re.sub,
}  # fmt: skip
_EXTRA_BUILTINS = {"open", "print", "isinstance", "getattr", "hasattr", "type", "exit", "quit"}
BUILTIN_NAMES = {name.split(".")[1] for name in PURE_FUNCTIONS if name[0] == "b"} | _EXTRA_BUILTINS
_PATH_CLASSES = frozenset(
    f"pathlib.{n}" for n in ("Path", "PurePath", "PosixPath", "PurePosixPath")
)


class LibraryCalls:
    """Attributes and calls of folded values; `Evaluator` adds the expressions around them."""

    script: Path
    root: Path
    dialect: Dialect
    line: int  # of the statement being read

    def call_function(
        self,
        fn: FunctionRef,
        args: Sequence[object],
        kwargs: dict[str, object],
        node: ast.Call | None,
    ) -> object:
        """Run one of the script's own functions; the base class does not follow calls."""
        return Unknown(f"{fn.node.name}() is not followed")

    def read_file(self, path: object) -> object:
        """Text of a file the script reads, relative to its directory, then to the project root.

        A file that resolves outside the project (an absolute path, `..`, a symlink) is refused:
        the tool runs on repositories its user did not write, and must not publish their files.
        """
        if isinstance(path, Unknown):
            return Unknown(f"the path of the file read is not static ({path.why})")
        relative = PurePosixPath(str(path))
        bases = [self.script.parent, self.root] if not relative.is_absolute() else [Path("/")]
        candidates = [Path(os.path.normpath(base / relative)) for base in bases]
        origin = Origin(self.script.relative_to(self.root.resolve()).as_posix(), self.line)
        existing = [c for c in candidates if os.path.lexists(c)]
        for candidate in existing:
            resolved = inside(self.root, candidate)
            if resolved is not None:
                rel = _project_relative(self.root, candidate, resolved)
                data = read_regular(resolved, Origin(rel))
                return SourceText(decode_source(data, rel), 1, rel, True)
        if existing:
            raise InputError(
                f"reads {str(path)!r}, which resolves outside the project: refused, not read",
                origin,
            )
        return Unknown(f"file {str(path)!r} is not found inside the project")

    def attribute(self, obj: object, name: str) -> object:
        """`obj.name` for folded objects; methods come back as Member, to be called."""
        if isinstance(obj, DbRef):
            return obj if name in DB_ATTRS else Member(obj, name)
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
        if qualname in PURE_FUNCTIONS:
            return lift(PURE_FUNCTIONS[qualname], *args, **kwargs)
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
            return lift(lambda value: sql_literal(value, Dialect.POSTGRES), args[0])
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
            return db_method(obj, name, args, self.dialect)
        if isinstance(obj, str) and name in _STR_METHODS:
            if name in ("strip", "lstrip", "rstrip"):
                return lift(str_strip, obj, *args, method=name)
            if name in ("split", "format", "replace"):
                operations: dict[str, Callable[..., object]] = {
                    "split": str_split,
                    "format": str_format,
                    "replace": str_replace,
                }
                operation = operations[name]
                result = lift(operation, obj, *args, **kw)
                if isinstance(result, Unknown) and name == "format":
                    result.prefix = obj.split("{")[0]
                return result
            return lift(getattr(str, name), obj, *args, **kw)
        if isinstance(obj, str) and name in ("as_string", "execution_options"):
            return obj
        if isinstance(obj, list) and name in _LIST_METHODS:
            return attempt(getattr(list, name), (obj, *args), kw)
        if isinstance(obj, dict) and name in _DICT_METHODS:
            result = attempt(getattr(dict, name), (obj, *args), kw)
            return list(result) if name in ("items", "keys", "values") else result  # type: ignore
        if isinstance(obj, tuple) and name in ("index", "count"):
            return lift(getattr(tuple, name), obj, *args)
        if isinstance(obj, PurePath):
            return self._path_method(obj, name, args)
        if isinstance(obj, FileHandle):
            return self._file_method(obj, name)
        kind = "str" if isinstance(obj, str) else type(obj).__name__
        return Unknown(f"{kind}.{name}() is not folded")

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
