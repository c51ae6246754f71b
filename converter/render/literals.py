"""Python literals for SQL and strings, exact byte for byte.

SQL handed to `sa.text()` is escaped so that the database receives the legacy text unchanged;
multi-line strings become triple-quoted literals only when `ast.literal_eval` proves them exact.
"""

from __future__ import annotations

import ast
import re

import sqlalchemy

from converter.render.code import RenderError

# What sqlalchemy.sql.compiler un-escapes after binding: a backslash before `:word` that is not
# followed by another colon or word character (BIND_PARAMS_ESC). `word` may be empty.
_COLON_RUN = re.compile(r":(\w*)(?![:\w])")
_WORD_OR_COLON = re.compile(r"[:\w]")


def escape_text_sql(sql: str) -> str:
    """SQL for `sa.text()` that reaches the database as exactly `sql`.

    text() reads `:name` as a bind parameter unless the colon follows a colon, a word character
    or a backslash (TextClause._bind_params_regex), and the compiler then drops a backslash before
    `:word` (BIND_PARAMS_ESC). A backslash goes before each colon that would be bound, and before
    each colon already preceded by a backslash (so that the legacy backslash survives). Percent
    signs need nothing: the compiler doubles them for pyformat drivers itself.
    """
    out: list[str] = []
    last = 0
    for match in _COLON_RUN.finditer(sql):
        start = match.start()
        before = sql[start - 1] if start else ""
        bound = bool(match.group(1)) and not _WORD_OR_COLON.match(before) and before != "\\"
        if before == "\\" or bound:
            out.append(sql[last:start] + "\\")
            last = start
    out.append(sql[last:])
    escaped = "".join(out)
    if ":" in sql:  # without a colon text() has nothing to bind: the text is the SQL
        _check_text_roundtrip(sql, escaped)
    return escaped


def _check_text_roundtrip(sql: str, escaped: str) -> None:
    compiled = sqlalchemy.text(escaped).compile()
    if compiled.string != sql or compiled.params:  # pragma: no cover - defensive
        raise RenderError(f"cannot pass this SQL through sa.text() unchanged: {sql!r}")


def _str_literal(value: str) -> str:
    """A Python literal for `value`: triple-quoted when multi-line and provably exact."""
    if "\n" in value and value.replace("\n", "").replace("\t", "").isprintable():
        candidate = f'r"""{value}"""' if "\\" in value else f'"""\\\n{value}"""'
        try:
            if ast.literal_eval(candidate) == value:
                return candidate
        except (SyntaxError, ValueError):
            pass
    return repr(value)


def sql_literal(sql: str) -> str:
    """The literal of SQL that SQLAlchemy coerces with text() (CHECK bodies)."""
    return _str_literal(escape_text_sql(sql))


def sa_text(sql: str) -> str:
    """`sa.text(...)` code that reaches the database as exactly `sql`."""
    return f"sa.text({sql_literal(sql)})"
