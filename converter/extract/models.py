"""The table of a model class a legacy script defines, read from the class body.

A script that defines `class AuditLog(Base): __tablename__ = ...; id = Column(Integer, ...)` and
runs `create_all()` created exactly that table, whatever the models say today. The body is read
with `ast` (literal arguments only): every column with a SQLAlchemy type named by its class,
`ForeignKey("t.c")`, and the DDL keywords. Anything else that shapes the table (`__table_args__`,
a type the list does not know, a computed default) leaves the table unknown: plan then resolves
the call against the reference, as for models the script imports.
"""

from __future__ import annotations

import ast

from converter.extract.walker import dotted
from converter.ir.ops import DeclaredColumn, DeclaredTable, Literal

# SQLAlchemy generic types a declaration may name (`Integer`, `db.String(80)`, `sa.Numeric(10, 2)`).
TYPES = frozenset({
    "Integer", "BigInteger", "SmallInteger", "String", "Text", "Unicode", "UnicodeText",
    "Boolean", "DateTime", "Date", "Time", "Float", "Numeric", "LargeBinary", "JSON", "Interval",
    "Uuid", "Enum",
})  # fmt: skip
_DDL_KEYWORDS = frozenset(
    {"primary_key", "nullable", "unique", "index", "autoincrement", "comment"}
)
# Keywords that only act in Python (or in the ORM), not in the table's DDL.
_PYTHON_KEYWORDS = frozenset(
    {"default", "onupdate", "info", "doc", "key", "quote", "insert_default"}
)
_COLUMN_CALLS = frozenset({"Column", "mapped_column"})


class _NotStatic(Exception):
    """Part of the declaration is not a literal the table can be built from."""


def declared_table(stmt: ast.ClassDef, tablename: str) -> DeclaredTable | None:
    """The table the class declares, or None when its body does not say all of it."""
    columns: list[DeclaredColumn] = []
    for node in stmt.body:
        target, value = _assignment(node)
        if target == "__table_args__":
            return None
        if target is None or not _is_column(value):
            continue
        assert isinstance(value, ast.Call)
        try:
            columns.append(_column(target, value))
        except _NotStatic:
            return None
    return DeclaredTable(tablename, tuple(columns)) if columns else None


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _is_column(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Call) and dotted(value.func).rsplit(".", 1)[-1] in _COLUMN_CALLS


def _column(attribute: str, call: ast.Call) -> DeclaredColumn:
    args = list(call.args)
    name = attribute
    first = args[0] if args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        name = first.value
        args.pop(0)
    type_: tuple[str, tuple[Literal, ...], tuple[tuple[str, Literal], ...]] | None = None
    foreign: tuple[str, tuple[tuple[str, Literal], ...]] | None = None
    for arg in args:
        callee = _callee(arg)
        if callee == "ForeignKey" and foreign is None:
            foreign = _foreign_key(arg)
        elif callee in TYPES and type_ is None:
            type_ = (callee, *_literal_args(arg))
        else:
            raise _NotStatic
    if type_ is None:
        raise _NotStatic
    options = tuple(_option(k) for k in call.keywords if k.arg not in _PYTHON_KEYWORDS)
    return DeclaredColumn(
        name,
        type_[0],
        type_[1],
        type_[2],
        foreign[0] if foreign else None,
        foreign[1] if foreign else (),
        options,
    )


def _callee(node: ast.expr) -> str:
    """The class name a type or ForeignKey argument is written with (`db.String(80)`: String)."""
    func = node.func if isinstance(node, ast.Call) else node
    return dotted(func).rsplit(".", 1)[-1]


def _literal_args(node: ast.expr) -> tuple[tuple[Literal, ...], tuple[tuple[str, Literal], ...]]:
    if not isinstance(node, ast.Call):
        return (), ()
    args = tuple(_literal(a) for a in node.args)
    kwargs = tuple((k.arg, _literal(k.value)) for k in node.keywords if k.arg)
    if len(kwargs) != len(node.keywords):
        raise _NotStatic
    return args, kwargs


def _foreign_key(node: ast.expr) -> tuple[str, tuple[tuple[str, Literal], ...]]:
    args, kwargs = _literal_args(node)
    if len(args) != 1 or not isinstance(args[0], str) or "." not in args[0]:
        raise _NotStatic
    return args[0], kwargs


def _option(keyword: ast.keyword) -> tuple[str, Literal]:
    if keyword.arg in _DDL_KEYWORDS:
        return keyword.arg, _literal(keyword.value)
    if keyword.arg == "server_default":
        value = keyword.value
        if isinstance(value, ast.Call) and _callee(value) == "text" and len(value.args) == 1:
            return "server_default_sql", _text(value.args[0])
        return "server_default", _text(value)
    raise _NotStatic


def _text(node: ast.expr) -> str:
    value = _literal(node)
    if not isinstance(value, str):
        raise _NotStatic
    return value


def _literal(node: ast.expr) -> Literal:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _NotStatic from None
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise _NotStatic
    return value
