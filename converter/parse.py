"""Parse one extracted statement with sqlglot.

A statement sqlglot cannot parse is not an error here: the caller keeps its exact text. sqlglot's
own fallback to `exp.Command` counts as parsed (lower reads such commands lexically).

The tokens of the last statements parsed are kept in a small memo, so that lower can slice exact
source text (defaults, CHECK bodies, index expressions) without tokenizing the statement again.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer

from converter.statements import Statement

_SQLGLOT_LOGGER = logging.getLogger("sqlglot")
_MEMO_SIZE = 64
_tokens_memo: OrderedDict[tuple[str, str], list[Token]] = OrderedDict()


def parse_statement(stmt: Statement, dialect: str) -> exp.Expression | None:
    """The sqlglot tree of `stmt` read as `dialect` ("sqlite" | "postgres" | "mysql"), or None
    when sqlglot cannot parse it. Several statements in one text come back as an `exp.Block`."""
    try:
        tokens = tokenize(stmt.sql, dialect)
        with _sqlglot_quiet():
            trees = [tree for tree in _parser(dialect).parse(tokens, stmt.sql) if tree is not None]
    except (ParseError, TokenError):
        return None
    if not trees:
        return None
    return cast(exp.Expression, trees[0] if len(trees) == 1 else exp.Block(expressions=trees))


def tokenize(sql: str, dialect: str) -> list[Token]:
    """sqlglot's tokens for `sql`, from the memo when the statement was just parsed.

    Raises TokenError like sqlglot does."""
    key = (dialect, sql)
    tokens = _tokens_memo.get(key)
    if tokens is None:
        tokens = _tokenizer(dialect).tokenize(sql)
        _tokens_memo[key] = tokens
        if len(_tokens_memo) > _MEMO_SIZE:
            _tokens_memo.popitem(last=False)
    return tokens


@functools.cache
def _dialect(name: str) -> Dialect:
    return Dialect.get_or_raise(name)


@functools.cache
def _tokenizer(name: str) -> Tokenizer:
    """One tokenizer per dialect: building one per statement cost as much as tokenizing it.
    sqlglot's tokenize() and parse() start from a clean state on every call."""
    return _dialect(name).tokenizer()


@functools.cache
def _parser(name: str) -> Parser:
    return _dialect(name).parser(error_level=ErrorLevel.IMMEDIATE)




@contextmanager
def _sqlglot_quiet() -> Iterator[None]:
    """Silence sqlglot's "falling back to Command" log lines: diagnostics are lower's job."""
    was_disabled = _SQLGLOT_LOGGER.disabled
    _SQLGLOT_LOGGER.disabled = True
    try:
        yield
    finally:
        _SQLGLOT_LOGGER.disabled = was_disabled
