"""What every lowering helper shares: the statement context, names, exact source text.

Exact text (defaults, CHECK bodies, index expressions, USING clauses) is sliced from the legacy
statement by token positions, never regenerated: sqlglot normalises what it parses (`now()` becomes
CURRENT_TIMESTAMP, `REAL` becomes DOUBLE on SQLite), and the revision must say what the source said.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.tokens import Token, TokenType

from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect
from converter.ir.ops import ExecuteSQL, SqlKind
from converter.ir.statements import Statement
from converter.parse import tokenize

_LITERAL_TOKENS = frozenset(
    {
        TokenType.STRING,
        TokenType.NUMBER,
        TokenType.IDENTIFIER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_RAW_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
    }
)
_OPEN = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET})
_CLOSE = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET})
_BRACKETS = _OPEN | _CLOSE
# Schemas that are the default search location: a name qualified with them is unqualified.
_DEFAULT_SCHEMAS = {"postgres": "public", "sqlite": "main"}


def _scan(tokens: list[Token]) -> tuple[list[TokenType], list[str], dict[int, int]]:
    """Token kinds, keyword words, and each opening bracket's index mapped to its closing one."""
    kinds = [token.token_type for token in tokens]
    words = [
        "" if kind in _LITERAL_TOKENS else token.text.partition(" ")[0].upper()
        for token, kind in zip(tokens, kinds)
    ]
    partner: dict[int, int] = {}
    stack: list[int] = []
    for i, kind in enumerate(kinds):
        if kind in _BRACKETS:
            if kind in _OPEN:
                stack.append(i)
            elif stack:
                partner[stack.pop()] = i
    return kinds, words, partner


@cache
def _command_tokens(dialect: Dialect) -> frozenset[TokenType]:
    return frozenset(SqlglotDialect.get_or_raise(dialect).tokenizer_class.COMMANDS)


class Unsupported(Exception):
    """Part of the statement has no faithful op form: the whole statement stays exact SQL."""


class SourceText:
    """One statement's text with its tokens, for slicing exact source spans.

    Token indices are inclusive; `words[i]` is the upper-cased first word of token i, or "" for
    literals and quoted identifiers (so a string 'CHECK' never looks like the keyword)."""

    def __init__(self, sql: str, dialect: Dialect, tokens: list[Token] | None = None) -> None:
        """`tokens`: those of `sql` when the parse already has them."""
        self.sql = sql
        self.tokens: list[Token] = tokens if tokens is not None else tokenize(sql, dialect)
        self._starts = [t.start for t in self.tokens]
        self._ends = [t.end for t in self.tokens]
        if (
            len(self.tokens) > 1
            and self.tokens[1].token_type == TokenType.STRING
            and self.tokens[0].token_type in _command_tokens(dialect)
        ):
            self._expand_command(dialect)
        self.kinds, self.words, self._partner = _scan(self.tokens)
        last = len(self.tokens) - 1
        while last >= 0 and self.kinds[last] == TokenType.SEMICOLON:
            last -= 1
        self.last = last

    def _expand_command(self, dialect: Dialect) -> None:
        """sqlglot's tokenizer keeps everything after a command keyword (DO, VACUUM, RENAME...)
        as one string token; tokenize that rest too, at its real offsets."""
        offset = self.tokens[0].end + 1
        rest = tokenize(self.sql[offset:], dialect)
        self.tokens = [self.tokens[0], *rest]
        self._starts = [self._starts[0], *(t.start + offset for t in rest)]
        self._ends = [self._ends[0], *(t.end + offset for t in rest)]

    def text(self, first: int, last: int) -> str:
        """The exact source from token `first` through token `last`."""
        if first > last:
            raise Unsupported("an expected SQL fragment is empty")
        return self.sql[self._starts[first] : self._ends[last] + 1]

    def index_of(self, node: exp.Expression) -> int:
        """The token where `node` (an identifier, literal or function name) starts."""
        start = node.meta.get("start") if node.meta else None
        pos = bisect_left(self._starts, start) if start is not None else len(self._starts)
        if pos >= len(self._starts) or self._starts[pos] != start:
            raise Unsupported(f"cannot locate {node.sql()!r} in the source text")
        return pos

    def is_open(self, i: int) -> bool:
        return self.kinds[i] in _OPEN

    def match(self, i: int) -> int:
        """The token closing the bracket opened at token `i`."""
        close = self._partner.get(i)
        if close is None:
            raise Unsupported("unbalanced parentheses")
        return close

    def element_end(self, first: int, last: int | None = None) -> int:
        """The last token of the list element starting at `first`: before the next comma at the
        same depth or the bracket closing the list."""
        stop = self.last if last is None else last
        kinds, partner = self.kinds, self._partner
        j = first
        while j <= stop:
            kind = kinds[j]
            if kind in _OPEN and j in partner:
                j = partner[j] + 1
                continue
            if kind in _CLOSE or kind == TokenType.COMMA:
                return j - 1
            j += 1
        return stop

    def split(self, first: int, last: int) -> list[tuple[int, int]]:
        """The comma-separated elements of tokens `first`..`last`, as (first, last) pairs."""
        spans: list[tuple[int, int]] = []
        while first <= last:
            end = self.element_end(first, last)
            spans.append((first, end))
            first = end + 2
        return spans

    def find(self, words: AbstractSet[str], first: int, last: int) -> int | None:
        """The first token in `first`..`last`, outside brackets, whose first word is in `words`."""
        kinds, partner, own = self.kinds, self._partner, self.words
        j = first
        while j <= last:
            if own[j] in words:
                return j
            j = partner[j] + 1 if kinds[j] in _OPEN and j in partner else j + 1
        return None

    def next_open(self, first: int, last: int | None = None) -> int:
        """The first opening parenthesis at or after `first`."""
        stop = self.last if last is None else last
        for j in range(first, stop + 1):
            if self.tokens[j].token_type == TokenType.L_PAREN:
                return j
        raise Unsupported("expected a parenthesised list")


@dataclass
class Ctx:
    """One statement being lowered."""

    stmt: Statement
    dialect: Dialect
    diags: Diagnostics
    tokens: list[Token] | None = field(default=None, repr=False)  # from the parse, if any
    _src: SourceText | None = field(default=None, repr=False)

    @property
    def src(self) -> SourceText:
        if self._src is None:
            self._src = SourceText(self.stmt.sql, self.dialect, self.tokens)
        return self._src

    def warning(self, message: str, code: str = "L2A309") -> None:
        self.diags.warning(self.stmt.origin, message, code)

    def info(self, message: str, code: str = "L2A310") -> None:
        self.diags.info(self.stmt.origin, message, code)

    def execute(
        self,
        kind: SqlKind = "schema",
        reverse_sql: str | None = None,
        autocommit: bool = False,
        tables: tuple[str, ...] = (),
    ) -> ExecuteSQL:
        """The statement as exact SQL, byte for byte."""
        return ExecuteSQL(
            self.stmt.sql,
            kind=kind,
            reverse_sql=reverse_sql,
            autocommit=autocommit,
            tables=tables,
            origin=self.stmt.origin,
        )

    def name(self, node: exp.Expression) -> str:
        """An identifier as the database stores it.

        Quoted identifiers keep their exact spelling. Unquoted ones are folded to lower case on
        PostgreSQL only, as its server does; SQLite and MySQL keep the spelling (SQLite compares
        names case-insensitively, MySQL table names depend on the server's platform)."""
        if isinstance(node, exp.Column) and not node.table:
            node = node.this
        if isinstance(node, exp.Identifier):
            if not node.quoted and self.dialect == "postgres":
                return node.name.lower()
            return node.name
        if isinstance(node, exp.Var):
            return node.name.lower() if self.dialect == "postgres" else node.name
        raise Unsupported(f"{node.sql(self.dialect)!r} is not a plain name")

    def schema(self, node: exp.Expression | None) -> str | None:
        """A schema qualifier, None for the default schema (public on PostgreSQL, main on
        SQLite)."""
        if node is None or (isinstance(node, exp.Identifier) and not node.name):
            return None
        name = self.name(node)
        default = _DEFAULT_SCHEMAS.get(self.dialect)
        if name == default or (self.dialect == "sqlite" and name.lower() == default):
            return None
        return name

    def table(self, node: exp.Expression) -> tuple[str, str | None]:
        """(name, schema) of a table reference."""
        if isinstance(node, exp.Schema):
            node = node.this
        if not isinstance(node, exp.Table) or node.args.get("catalog"):
            raise Unsupported(f"{node.sql(self.dialect)!r} is not a plain table name")
        return self.name(node.this), self.schema(node.args.get("db"))

    def qualified(self, node: exp.Expression) -> str:
        """`schema.table` (or `table`) for ExecuteSQL.tables."""
        name, schema = self.table(node)
        return f"{schema}.{name}" if schema else name
