"""Parse one extracted statement with sqlglot.

A statement sqlglot cannot parse is not an error here: the caller keeps its exact text, also when
sqlglot itself fails on odd input (a TypeError or a RecursionError inside its parser). sqlglot's
own fallback to `exp.Command` counts as parsed (lower reads such commands lexically).

The tokens of the parse come back with the tree, so that lower can slice exact source text
(defaults, CHECK bodies, index expressions) without tokenizing the statement again.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import cast

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer

from converter.core.dialects import Dialect
from converter.ir.statements import Statement


class _HandledBySqlglotCallers(logging.Filter):
    """Drops the sqlglot warnings this tool handles itself, and only those: the fallback to
    `exp.Command` (lower reads commands lexically and reports what stays exact SQL) and an
    unreadable JSON path (its text is kept as written: lower slices source text, never
    sqlglot's rendering of it)."""

    HANDLED = ("Falling back to parsing as a 'Command'", "Invalid JSON path syntax")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self.HANDLED)


_FILTER = _HandledBySqlglotCallers()
logging.getLogger("sqlglot").addFilter(_FILTER)  # once: addFilter ignores a filter it has


@dataclass(frozen=True)
class Parsed:
    """A statement as sqlglot read it: the tree (None when sqlglot cannot parse it; several
    statements in one text come back as an `exp.Block`) and the tokens it was parsed from
    (None when the text cannot even be tokenized)."""

    tree: exp.Expression | None
    tokens: list[Token] | None


def parse_statement(stmt: Statement, dialect: Dialect) -> Parsed:
    """`stmt` read as `dialect` ("sqlite" | "postgres" | "mysql")."""
    try:
        tokens = tokenize(stmt.sql, dialect)
    except TokenError:
        return Parsed(None, None)
    try:
        trees = [tree for tree in _parser(dialect).parse(tokens, stmt.sql) if tree is not None]
    except (ParseError, TokenError):
        return Parsed(None, tokens)
    except Exception:  # noqa: BLE001 - a sqlglot bug on odd input (`SET a = b ?`): keep the text
        return Parsed(None, tokens)
    if not trees:
        return Parsed(None, tokens)
    tree = trees[0] if len(trees) == 1 else exp.Block(expressions=trees)
    return Parsed(cast(exp.Expression, tree), tokens)


def tokenize(sql: str, dialect: Dialect) -> list[Token]:
    """sqlglot's tokens for `sql`. Raises TokenError like sqlglot does."""
    return _tokenizer(dialect).tokenize(sql)


@functools.cache
def _dialect(name: str) -> SqlglotDialect:
    return SqlglotDialect.get_or_raise(name)


@functools.cache
def _tokenizer(name: str) -> Tokenizer:
    """One tokenizer per dialect: building one per statement cost as much as tokenizing it.
    sqlglot's tokenize() and parse() start from a clean state on every call."""
    return _dialect(name).tokenizer()


@functools.cache
def _parser(name: str) -> Parser:
    return _dialect(name).parser(error_level=ErrorLevel.IMMEDIATE)
