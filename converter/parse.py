"""Parse one extracted statement with sqlglot.

A statement sqlglot cannot parse is not an error here: the caller keeps its exact text, also when
sqlglot itself fails on odd input (a TypeError or a RecursionError inside its parser). sqlglot's
own fallback to `exp.Command` counts as parsed (lower reads such commands lexically).

The tokens of the last statement parsed are kept, so that lower can slice exact source text
(defaults, CHECK bodies, index expressions) without tokenizing the statement again.
"""

from __future__ import annotations

import functools
import logging
from typing import cast

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer

from converter.ir.statements import Statement

_SQLGLOT_LOGGER = logging.getLogger("sqlglot")
# (dialect, sql, tokens) of the statement tokenized last: lower asks right after parse.
_last: tuple[str, str, list[Token]] = ("", "", [])


def parse_statement(stmt: Statement, dialect: str) -> exp.Expression | None:
    """The sqlglot tree of `stmt` read as `dialect` ("sqlite" | "postgres" | "mysql"), or None
    when sqlglot cannot parse it. Several statements in one text come back as an `exp.Block`."""
    # sqlglot logs "falling back to Command"; diagnostics are lower's job. The logger is
    # toggled inline: a context manager here cost more than a tenth of the parse itself.
    was_disabled = _SQLGLOT_LOGGER.disabled
    _SQLGLOT_LOGGER.disabled = True
    try:
        tokens = tokenize(stmt.sql, dialect)
        trees = [tree for tree in _parser(dialect).parse(tokens, stmt.sql) if tree is not None]
    except (ParseError, TokenError):
        return None
    except Exception:  # noqa: BLE001 - a sqlglot bug on odd input (`SET a = b ?`): keep the text
        return None
    finally:
        _SQLGLOT_LOGGER.disabled = was_disabled
    if not trees:
        return None
    return cast(exp.Expression, trees[0] if len(trees) == 1 else exp.Block(expressions=trees))


def tokenize(sql: str, dialect: str) -> list[Token]:
    """sqlglot's tokens for `sql`, kept from the parse when the statement was just parsed.

    Raises TokenError like sqlglot does."""
    global _last
    last_dialect, last_sql, tokens = _last
    if last_sql != sql or last_dialect != dialect:
        tokens = _tokenizer(dialect).tokenize(sql)
        _last = (dialect, sql, tokens)
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
