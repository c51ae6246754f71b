"""SQL texts the database keeps (defaults, CHECKs, index expressions, views, trigger bodies)
normalised so that two spellings of one thing compare equal.

Each text is parsed with sqlglot in the database's dialect and regenerated, after: identifiers
lower-cased and unquoted; casts of literals, and casts to a text type, removed (`'0'::integer`,
`(status)::text`); parentheses that change nothing removed (`((qty > 0))`); a string literal that
is a number written as the number (`'0'`). `now()` and `CURRENT_TIMESTAMP` regenerate alike.
What sqlglot cannot parse is compared with whitespace collapsed and lower-cased outside quotes.
Results are cached: a schema repeats the same few texts across its tables.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_TEXT_TYPES = frozenset(
    {
        exp.DataType.Type.TEXT,
        exp.DataType.Type.VARCHAR,
        exp.DataType.Type.CHAR,
        exp.DataType.Type.NCHAR,
        exp.DataType.Type.NVARCHAR,
        exp.DataType.Type.NAME,
    }
)
_ATOMS = (exp.Column, exp.Literal, exp.Identifier, exp.Null, exp.Boolean, exp.Func, exp.Paren)
_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")


@lru_cache(maxsize=16384)
def normalize_expression(text: str, dialect: str) -> str:
    """One SQL expression (or query) in its normal spelling for `dialect` (sqlglot's name)."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except SqlglotError:
        return plain_text(text)
    if tree is None or isinstance(tree, exp.Command):
        return plain_text(text)
    return _regenerate(tree, dialect)


@lru_cache(maxsize=4096)
def normalize_statements(text: str, dialect: str) -> str:
    """Several statements (a trigger's body), each normalised, joined by "; "."""
    try:
        trees = [t for t in sqlglot.parse(text, read=dialect) if t is not None]
    except SqlglotError:
        return plain_text(text)
    if any(isinstance(t, exp.Command) for t in trees):
        return plain_text(text)
    return "; ".join(_regenerate(t, dialect) for t in trees)


def plain_text(text: str) -> str:
    """Whitespace collapsed and lower-cased outside quotes, without a trailing ";"."""
    parts = _QUOTED.split(" ".join(text.split()).rstrip(";").strip())
    parts[::2] = [p.lower() for p in parts[::2]]
    return "".join(parts)


def _regenerate(tree: exp.Expr, dialect: str) -> str:
    tree = _without_parentheses(_simplified(tree).unnest())
    try:
        return tree.sql(dialect=dialect)
    except SqlglotError:
        return plain_text(tree.sql())


def _simplified(tree: exp.Expr) -> exp.Expr:
    """`tree` with `_simplify` applied to every node, children before their parents."""
    for node in reversed(list(tree.dfs())):
        new = _simplify(node)
        if new is node:
            continue
        if node is tree:
            tree = new.pop() if new.parent else new
        else:
            node.replace(new)
    return tree


def _simplify(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Identifier):
        return exp.to_identifier(node.name.lower(), quoted=False) or node
    if isinstance(node, exp.Cast) and _redundant_cast(node):
        return node.this
    if isinstance(node, exp.Literal) and node.is_string and _NUMBER.fullmatch(node.this):
        return exp.Literal.number(node.this)
    return node


def _redundant_cast(cast: exp.Cast) -> bool:
    """A cast of a literal (or array of literals), or to a text type (or array of it)."""
    operand = cast.this.unnest()
    if isinstance(operand, (exp.Literal, exp.Null, exp.Boolean)):
        return True
    if isinstance(operand, exp.Array) and all(
        isinstance(e.unnest(), (exp.Literal, exp.Cast)) for e in operand.expressions
    ):
        return True
    target = cast.to
    while target.this == exp.DataType.Type.ARRAY and target.expressions:
        target = target.expressions[0]
    return target.this in _TEXT_TYPES


def _without_parentheses(tree: exp.Expr) -> exp.Expr:
    """Remove each parenthesis around an atom, or whose parent is no operator."""
    for paren in list(tree.find_all(exp.Paren)):
        inner = paren.this
        parent = paren.parent
        if isinstance(inner, _ATOMS) or not isinstance(parent, (exp.Binary, exp.Unary)):
            if parent is None:
                tree = inner.pop() if inner.parent else inner
            else:
                paren.replace(inner)
    return tree
