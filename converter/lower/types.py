"""SQL column types <-> SQLAlchemy types, as `TypeSpec`s a revision can spell.

The criterion for every mapping from legacy SQL: when the revision creates the column through
SQLAlchemy with the mapped type, on the same dialect, the database gets exactly the type the legacy
SQL created. On PostgreSQL and MySQL that is the server's canonical type (INT and INTEGER are the
same type). On SQLite the declared text itself is stored and reflected, so the mapped type must
compile to the same spelling; the only aliases accepted there are those SQLite and SQLAlchemy's
reflection treat identically (INT as INTEGER, BOOL as BOOLEAN). Anything without a faithful type
maps to None and the caller keeps the statement as exact SQL.

sqlglot normalises type names while parsing (REAL becomes DOUBLE on SQLite, TIMESTAMP becomes
TIMESTAMPTZ on MySQL), so the mapping reads the type as the source spelled it when the caller has
that text, and uses the parsed `DataType` only for parameters and enum values.
"""

from __future__ import annotations

import enum
import functools
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlglot import exp

from converter.core.dialects import Dialect
from converter.ir.ops import Literal, TypeSpec

MODULES = {
    "sa": "sqlalchemy",
    "postgresql": "sqlalchemy.dialects.postgresql",
    "mysql": "sqlalchemy.dialects.mysql",
    "sqlite": "sqlalchemy.dialects.sqlite",
}
_DTYPE = exp.DataType.Type
_VALUED = frozenset({_DTYPE.ENUM, _DTYPE.SET})
_NAMED = frozenset({_DTYPE.USERDEFINED, _DTYPE.ARRAY})
_MODIFIERS = frozenset({"UNSIGNED", "SIGNED", "ZEROFILL"})
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_BRACKETS = re.compile(r"\[\s*\d*\s*\]")
_PARENS = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class Spelling:
    """A type as the source spelled it: base words, numeric parameters, modifiers, array
    dimensions. `values` are ENUM / SET members; `name`/`schema` name a user-defined type."""

    words: str
    params: tuple[int, ...] = ()
    modifiers: frozenset[str] = frozenset()
    dims: int = 0
    values: tuple[str, ...] = ()
    udt: tuple[str, str | None] | None = None
    sql: str = ""


Builder = Callable[[Spelling], "TypeSpec | None"]


# ---- legacy SQL -> TypeSpec ----------------------------------------------------------------------


def type_from_sqlglot(
    dt: exp.DataType,
    dialect: Dialect,
    *,
    spelled: str | None = None,
    udt: tuple[str, str | None] | None = None,
) -> TypeSpec | None:
    """The faithful SQLAlchemy type for a parsed column type, or None when there is none.

    `spelled`: the type exactly as the source wrote it (needed for fidelity on SQLite and MySQL;
    without it the parsed type is regenerated, which may change the spelling). `udt`: the
    (name, schema) of a user-defined type, already normalised by the caller's identifier rules;
    derived from `dt` when omitted."""
    text = spelled if spelled is not None else _regenerated(dt, dialect)
    if udt is None and dialect == "postgres":
        udt = _udt(dt)
    return _spec_for_text(text, dialect, _values(dt), udt)


@functools.lru_cache(maxsize=4096)
def _spec_for_text(
    text: str, dialect: Dialect, values: tuple[str, ...], udt: tuple[str, str | None] | None
) -> TypeSpec | None:
    """Legacy schemas repeat a few spellings many times: map each once."""
    return spec_for(parse_spelling(text, values, udt), dialect)


def spec_for(sp: Spelling, dialect: Dialect) -> TypeSpec | None:
    """The TypeSpec for a spelling on `dialect`, or None."""
    if sp.dims:
        return _array(sp, dialect)
    table = _TABLES.get(dialect, {})
    builder = table.get(sp.words)
    if builder is None:
        return _user_defined(sp) if dialect == "postgres" and sp.udt else None
    if sp.modifiers and builder not in _MODIFIER_AWARE:
        return None
    spec = builder(sp)
    return (
        None
        if spec is None
        else TypeSpec(spec.name, spec.module, spec.args, spec.kwargs, sql=sp.sql)
    )


def parse_spelling(
    text: str, values: tuple[str, ...] = (), udt: tuple[str, str | None] | None = None
) -> Spelling:
    """Split `timestamp(3) with time zone`, `INT(11) UNSIGNED`, `varchar(20)[]`... into a
    Spelling. Parameters that are not plain integers make the spelling unmappable."""
    bare = _BRACKETS.sub(" ", _STRINGS.sub("''", text))
    dims = len(_BRACKETS.findall(text))
    group = _PARENS.search(bare)
    params = _int_params(group.group(1)) if group else ()
    words = _PARENS.sub(" ", bare).upper().split()
    if words and words[-1] == "ARRAY":
        dims, words = max(dims, 1), words[:-1]
    modifiers = frozenset(w for w in words if w in _MODIFIERS)
    base = " ".join(w for w in words if w not in _MODIFIERS)
    if params is None:
        base = f"{base} (unsupported parameters)"
    return Spelling(base, params or (), modifiers, dims, values, udt, text)


def _int_params(inner: str) -> tuple[int, ...] | None:
    parts = [p.strip() for p in inner.split(",")]
    if all(p.startswith("'") for p in parts):
        return ()
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def _regenerated(dt: exp.DataType, dialect: Dialect) -> str:
    """The parsed type printed back, for callers that do not have the source spelling."""
    return dt.sql(dialect if dialect != "sqlite" else None)


def _values(dt: exp.DataType) -> tuple[str, ...]:
    if dt.this not in _VALUED:
        return ()
    return tuple(e.name for e in dt.expressions if isinstance(e, exp.Literal) and e.is_string)


def _udt(dt: exp.DataType) -> tuple[str, str | None] | None:
    """(name, schema) of a PostgreSQL user-defined type, folded like PostgreSQL folds names."""
    if dt.this not in _NAMED:
        return None
    while dt.this == _DTYPE.ARRAY and dt.expressions:
        dt = dt.expressions[0]
    kind = dt.args.get("kind")
    if dt.this != _DTYPE.USERDEFINED or kind is None:
        return None
    parts = [kind.this, kind.expression] if isinstance(kind, exp.Dot) else [kind]
    if not all(isinstance(p, exp.Expression) for p in parts):
        return None
    names = [_fold(p) for p in parts]
    schema = names[0] if len(names) == 2 and names[0] != "public" else None
    return names[-1], schema


def _fold(node: exp.Expression) -> str:
    quoted = isinstance(node, exp.Identifier) and node.quoted
    return node.name if quoted else node.name.lower()


def _array(sp: Spelling, dialect: Dialect) -> TypeSpec | None:
    if dialect != "postgres":
        return None
    item = spec_for(Spelling(sp.words, sp.params, sp.modifiers, 0, sp.values, sp.udt, ""), dialect)
    if item is None:
        return None
    kwargs: tuple[tuple[str, Literal], ...] = (("dimensions", sp.dims),) if sp.dims > 1 else ()
    return TypeSpec("ARRAY", "postgresql", (item,), kwargs, sql=sp.sql)  # type: ignore[arg-type]


def _user_defined(sp: Spelling) -> TypeSpec | None:
    """A PostgreSQL type the source names but does not build in: an enum created with CREATE TYPE.
    The values live in the CreateEnum op; the column only refers to the type by name."""
    if sp.params or sp.modifiers or sp.udt is None:
        return None
    name, schema = sp.udt
    kwargs: list[tuple[str, Literal]] = [("name", name)]
    if schema:
        kwargs.append(("schema", schema))
    kwargs.append(("create_type", False))
    return TypeSpec("ENUM", "postgresql", (), tuple(kwargs), sql=sp.sql)


# ---- builders ------------------------------------------------------------------------------------


def _spec(module: str, name: str, *args: Literal, **kwargs: Literal) -> TypeSpec:
    return TypeSpec(name, module, tuple(args), tuple(kwargs.items()))


def _plain(module: str, name: str, **kwargs: Literal) -> Builder:
    """No parameters allowed."""
    return lambda sp: None if sp.params else _spec(module, name, **kwargs)


def _sized(module: str, name: str, key: str = "length") -> Builder:
    """An optional single size parameter."""

    def build(sp: Spelling) -> TypeSpec | None:
        if len(sp.params) > 1:
            return None
        return _spec(module, name, **({key: sp.params[0]} if sp.params else {}))

    return build


def _numeric(module: str, name: str) -> Builder:
    def build(sp: Spelling) -> TypeSpec | None:
        if len(sp.params) > 2:
            return None
        return _spec(module, name, **dict(zip(("precision", "scale"), sp.params)))

    return build


def _pg_temporal(generic: str, pg_name: str, timezone: bool) -> Builder:
    """TIME / TIMESTAMP, with or without time zone; a precision needs the dialect type."""

    def build(sp: Spelling) -> TypeSpec | None:
        tz: dict[str, Literal] = {"timezone": True} if timezone else {}
        if not sp.params:
            return _spec("sa", generic, **tz)
        if len(sp.params) > 1:
            return None
        return _spec("postgresql", pg_name, **tz, precision=sp.params[0])

    return build


def _pg_interval(sp: Spelling) -> TypeSpec | None:
    if len(sp.params) > 1:
        return None
    return _spec("postgresql", "INTERVAL", **({"precision": sp.params[0]} if sp.params else {}))


def _pg_bit(varying: bool) -> Builder:
    def build(sp: Spelling) -> TypeSpec | None:
        if len(sp.params) > 1 or (varying and not sp.params):
            return None
        kwargs: dict[str, Literal] = {"length": sp.params[0]} if sp.params else {}
        return _spec("postgresql", "BIT", **kwargs, **({"varying": True} if varying else {}))

    return build


def _my_int(generic: str | None, name: str) -> Builder:
    """MySQL integers: the generic type unless a display width or UNSIGNED/ZEROFILL is given."""

    def build(sp: Spelling) -> TypeSpec | None:
        if len(sp.params) > 1 or "SIGNED" in sp.modifiers:
            return None
        if generic and not sp.params and not sp.modifiers:
            return _spec("sa", generic)
        kwargs: dict[str, Literal] = {"display_width": sp.params[0]} if sp.params else {}
        kwargs.update({m.lower(): True for m in sorted(sp.modifiers)})
        return _spec("mysql", name, **kwargs)

    return build


def _my_fsp(generic: str, name: str) -> Builder:
    """MySQL temporal types with fractional-seconds precision."""

    def build(sp: Spelling) -> TypeSpec | None:
        if len(sp.params) > 1:
            return None
        return _spec("mysql", name, fsp=sp.params[0]) if sp.params else _spec("sa", generic)

    return build


def _my_numeric(generic: str, name: str, params: int) -> Builder:
    """MySQL DECIMAL / FLOAT / DOUBLE, UNSIGNED / ZEROFILL through the dialect type."""
    keys = ("precision", "scale")[:params]

    def build(sp: Spelling) -> TypeSpec | None:
        if len(sp.params) > params or "SIGNED" in sp.modifiers:
            return None
        kwargs: dict[str, Literal] = dict(zip(keys, sp.params))
        if not sp.modifiers:
            return _spec("sa", generic, **kwargs)
        kwargs.update({m.lower(): True for m in sorted(sp.modifiers)})
        return _spec("mysql", name, **kwargs)

    return build


def _enum_values(module: str, name: str) -> Builder:
    return lambda sp: _spec(module, name, *sp.values) if sp.values else None


_SQLITE: dict[str, Builder] = {
    "INTEGER": _plain("sa", "Integer"),
    "INT": _plain("sa", "Integer"),
    "BIGINT": _plain("sa", "BigInteger"),
    "SMALLINT": _plain("sa", "SmallInteger"),
    "VARCHAR": _sized("sa", "String"),
    "NVARCHAR": _sized("sa", "NVARCHAR"),
    "CHAR": _sized("sa", "CHAR"),
    "NCHAR": _sized("sa", "NCHAR"),
    "TEXT": _plain("sa", "Text"),
    "CLOB": _plain("sa", "CLOB"),
    "BOOLEAN": _plain("sa", "Boolean"),
    "BOOL": _plain("sa", "Boolean"),
    "REAL": _plain("sa", "REAL"),
    "FLOAT": _plain("sa", "Float"),
    "DOUBLE": _plain("sa", "Double"),
    "DOUBLE PRECISION": _plain("sa", "DOUBLE_PRECISION"),
    "NUMERIC": _numeric("sa", "Numeric"),
    "DECIMAL": _numeric("sa", "DECIMAL"),
    "DATE": _plain("sa", "Date"),
    "TIME": _plain("sa", "Time"),
    "DATETIME": _plain("sa", "DateTime"),
    "TIMESTAMP": _plain("sa", "TIMESTAMP"),
    "BLOB": _plain("sa", "LargeBinary"),
    "JSON": _plain("sa", "JSON"),
    "UUID": _plain("sa", "UUID"),
}

_PG_PLAIN = {
    name: _plain("postgresql", name)
    for name in (
        "JSONB",
        "INET",
        "CIDR",
        "MACADDR",
        "MACADDR8",
        "MONEY",
        "TSVECTOR",
        "TSQUERY",
        "HSTORE",
        "CITEXT",
        "OID",
        "REGCLASS",
        "INT4RANGE",
        "INT8RANGE",
        "NUMRANGE",
        "DATERANGE",
        "TSRANGE",
        "TSTZRANGE",
    )
}

_POSTGRES: dict[str, Builder] = {
    **{name: _plain("sa", "Integer") for name in ("INTEGER", "INT", "INT4", "SERIAL", "SERIAL4")},
    **{name: _plain("sa", "BigInteger") for name in ("BIGINT", "INT8", "BIGSERIAL", "SERIAL8")},
    **{
        name: _plain("sa", "SmallInteger")
        for name in ("SMALLINT", "INT2", "SMALLSERIAL", "SERIAL2")
    },
    "VARCHAR": _sized("sa", "String"),
    "CHARACTER VARYING": _sized("sa", "String"),
    "CHAR": _sized("sa", "CHAR"),
    "CHARACTER": _sized("sa", "CHAR"),
    "TEXT": _plain("sa", "Text"),
    "BOOLEAN": _plain("sa", "Boolean"),
    "BOOL": _plain("sa", "Boolean"),
    "REAL": _plain("sa", "REAL"),
    "FLOAT4": _plain("sa", "REAL"),
    "DOUBLE PRECISION": _plain("sa", "Double"),
    "FLOAT8": _plain("sa", "Double"),
    "FLOAT": _sized("sa", "Float", "precision"),
    "NUMERIC": _numeric("sa", "Numeric"),
    "DECIMAL": _numeric("sa", "Numeric"),
    "DATE": _plain("sa", "Date"),
    "TIME": _pg_temporal("Time", "TIME", False),
    "TIME WITHOUT TIME ZONE": _pg_temporal("Time", "TIME", False),
    "TIMETZ": _pg_temporal("Time", "TIME", True),
    "TIME WITH TIME ZONE": _pg_temporal("Time", "TIME", True),
    "TIMESTAMP": _pg_temporal("DateTime", "TIMESTAMP", False),
    "TIMESTAMP WITHOUT TIME ZONE": _pg_temporal("DateTime", "TIMESTAMP", False),
    "TIMESTAMPTZ": _pg_temporal("DateTime", "TIMESTAMP", True),
    "TIMESTAMP WITH TIME ZONE": _pg_temporal("DateTime", "TIMESTAMP", True),
    "INTERVAL": _pg_interval,
    "BYTEA": _plain("sa", "LargeBinary"),
    "JSON": _plain("sa", "JSON"),
    "UUID": _plain("sa", "Uuid"),
    "BIT": _pg_bit(False),
    "BIT VARYING": _pg_bit(True),
    "VARBIT": _pg_bit(True),
    **_PG_PLAIN,
}

_MY_INTS = {
    "INT": _my_int("Integer", "INTEGER"),
    "INTEGER": _my_int("Integer", "INTEGER"),
    "BIGINT": _my_int("BigInteger", "BIGINT"),
    "SMALLINT": _my_int("SmallInteger", "SMALLINT"),
    "TINYINT": _my_int(None, "TINYINT"),
    "MEDIUMINT": _my_int(None, "MEDIUMINT"),
    "DECIMAL": _my_numeric("Numeric", "DECIMAL", 2),
    "NUMERIC": _my_numeric("Numeric", "NUMERIC", 2),
    "FLOAT": _my_numeric("Float", "FLOAT", 1),
    "DOUBLE": _my_numeric("Double", "DOUBLE", 0),
    "DOUBLE PRECISION": _my_numeric("Double", "DOUBLE", 0),
    "REAL": _my_numeric("REAL", "REAL", 0),
}

_MYSQL: dict[str, Builder] = {
    **_MY_INTS,
    "BOOLEAN": _plain("sa", "Boolean"),
    "BOOL": _plain("sa", "Boolean"),
    "VARCHAR": _sized("sa", "String"),
    "CHAR": _sized("sa", "CHAR"),
    "NVARCHAR": _sized("sa", "NVARCHAR"),
    "NCHAR": _sized("sa", "NCHAR"),
    "TEXT": _plain("sa", "Text"),
    "TINYTEXT": _plain("mysql", "TINYTEXT"),
    "MEDIUMTEXT": _plain("mysql", "MEDIUMTEXT"),
    "LONGTEXT": _plain("mysql", "LONGTEXT"),
    "DATE": _plain("sa", "Date"),
    "TIME": _my_fsp("Time", "TIME"),
    "DATETIME": _my_fsp("DateTime", "DATETIME"),
    "TIMESTAMP": _my_fsp("TIMESTAMP", "TIMESTAMP"),
    "YEAR": _plain("mysql", "YEAR"),
    "BLOB": _plain("sa", "LargeBinary"),
    "TINYBLOB": _plain("mysql", "TINYBLOB"),
    "MEDIUMBLOB": _plain("mysql", "MEDIUMBLOB"),
    "LONGBLOB": _plain("mysql", "LONGBLOB"),
    "BINARY": _sized("sa", "BINARY"),
    "VARBINARY": _sized("sa", "VARBINARY"),
    "JSON": _plain("sa", "JSON"),
    "ENUM": _enum_values("mysql", "ENUM"),
    "SET": _enum_values("mysql", "SET"),
    "BIT": _sized("mysql", "BIT"),
}

_TABLES = {"sqlite": _SQLITE, "postgres": _POSTGRES, "mysql": _MYSQL}
_MODIFIER_AWARE = frozenset(_MY_INTS.values())


# ---- SQLAlchemy type -> TypeSpec -----------------------------------------------------------------


def type_from_sqlalchemy(t: TypeEngine[Any], notes: list[str] | None = None) -> TypeSpec:
    """A model's type as Alembic autogenerate would write it (`sa.String(length=50)`).

    Arguments are read back from the instance, like SQLAlchemy's `util.generic_repr`: each
    constructor parameter whose attribute differs from a default-constructed instance. A custom
    TypeDecorator unknown to SQLAlchemy is replaced by its `impl` type, and `notes` says so."""
    cls = _exported_class(type(t))
    if isinstance(t, TypeDecorator) and cls is not type(t):
        _note(notes, f"custom type {type(t).__name__} is written as its impl type")
        return type_from_sqlalchemy(t.impl_instance, notes)
    if cls is None:
        raise TypeError(f"{type(t).__name__} is not a SQLAlchemy type")
    if cls is not type(t):
        _note(notes, f"custom type {type(t).__name__} is written as {cls.__name__}")
    module = _module_key(cls)
    if isinstance(t, sqlalchemy.Enum):
        args, kwargs = _enum_arguments(t, cls)
    else:
        args, kwargs = _constructor_arguments(t, cls, notes)
    return TypeSpec(cls.__name__, module, tuple(args), tuple(kwargs))


def _note(notes: list[str] | None, message: str) -> None:
    if notes is not None:
        notes.append(message)


def _exported_class(cls: type) -> type | None:
    """The nearest class in `cls`'s MRO that a SQLAlchemy module exports under its own name."""
    for klass in cls.__mro__:
        if _module_key(klass):
            return klass
    return None


@functools.cache
def _module_key(cls: type) -> str:
    for key, module_name in MODULES.items():
        module = importlib.import_module(module_name)
        if getattr(module, cls.__name__, None) is cls:
            return key
    return ""


def _enum_arguments(t: sqlalchemy.Enum, cls: type) -> tuple[list[Any], list[tuple[str, Any]]]:
    kwargs: list[tuple[str, Any]] = []
    if t.name:
        kwargs.append(("name", t.name))
    if t.schema:
        kwargs.append(("schema", t.schema))
    if not t.native_enum:
        kwargs.append(("native_enum", False))
    if t.create_constraint:
        kwargs.append(("create_constraint", True))
    if getattr(t, "create_type", True) is False and "create_type" in _parameters(cls):
        kwargs.append(("create_type", False))
    return list(t.enums), kwargs


def _parameters(cls: type) -> dict[str, inspect.Parameter]:
    """Constructor parameters of `cls`, following `**kw` up the MRO as generic_repr does."""
    found: dict[str, inspect.Parameter] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = list(inspect.signature(init).parameters.values())[1:]
        for p in params:
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and not p.name.startswith("_"):
                found.setdefault(p.name, p)
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return found


def _constructor_arguments(
    t: TypeEngine[Any], cls: type, notes: list[str] | None
) -> tuple[list[Any], list[tuple[str, Any]]]:
    reference = _default_instance(cls)
    args: list[Any] = []
    kwargs: list[tuple[str, Any]] = []
    for name, param in _parameters(cls).items():
        if not hasattr(t, name):
            continue
        value = _literal(getattr(t, name), notes)
        if param.default is param.empty:
            args.append(value)
            continue
        default = getattr(reference, name, param.default) if reference else param.default
        if value != _literal(default, None):
            kwargs.append((name, value))
    return args, kwargs


def _default_instance(cls: type) -> TypeEngine[Any] | None:
    try:
        return cls()
    except (TypeError, ValueError, sqlalchemy.exc.ArgumentError):
        return None


def _literal(value: Any, notes: list[str] | None) -> Any:
    """An argument value as TypeSpec stores it: plain data, or a nested TypeSpec."""
    if isinstance(value, type) and issubclass(value, TypeEngine):
        value = value()
    if isinstance(value, TypeEngine):
        return type_from_sqlalchemy(value, notes)
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    _note(notes, f"argument {value!r} cannot be written into a revision; left out")
    return None


# ---- TypeSpec -> SQLAlchemy / Python source ------------------------------------------------------


def to_sqlalchemy(spec: TypeSpec) -> TypeEngine[Any]:
    """The SQLAlchemy type object a TypeSpec describes."""
    module = importlib.import_module(MODULES[spec.module])
    cls = getattr(module, spec.name)
    args = [to_sqlalchemy(a) if isinstance(a, TypeSpec) else a for a in spec.args]
    kwargs = {k: to_sqlalchemy(v) if isinstance(v, TypeSpec) else v for k, v in spec.kwargs}
    return cls(*args, **kwargs)


def render_type(spec: TypeSpec) -> str:
    """Python source for a TypeSpec: `sa.String(length=50)`, `postgresql.ARRAY(sa.Integer())`."""
    args = [_render_value(a) for a in spec.args]
    args += [f"{key}={_render_value(value)}" for key, value in spec.kwargs]
    return f"{spec.module}.{spec.name}({', '.join(args)})"


def _render_value(value: object) -> str:
    return render_type(value) if isinstance(value, TypeSpec) else repr(value)
