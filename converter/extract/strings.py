"""Strings built by a script: source positions, str methods, f-strings, `.format` and `%`.

SQL is usually written as a literal and then reshaped (`textwrap.dedent`, `.strip()`, `.split(";")`,
f-strings, `.format`). `SourceText` remembers where a literal starts in its file so that the
statements cut out of it keep their own `file:line`; the helpers here keep that position through
the reshaping. Widths and replacements that would allocate huge strings are refused, not run.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from converter.extract.values import MAX_STR, Opaque, Unknown, find_unknown, lift


class SourceText(str):
    """A string as written in a source: where it starts (line 0: unknown), whether its lines
    match the file, and whether it went through SQLAlchemy `text()` (binds are `:name`)."""

    path: str | None
    line: int
    exact: bool
    sqlalchemy: bool

    def __new__(  # noqa: PYI034 - nothing subclasses SourceText
        cls,
        value: str,
        line: int,
        path: str | None = None,
        exact: bool = True,
        sqlalchemy: bool = False,
    ) -> SourceText:
        text = super().__new__(cls, value)
        text.line, text.path, text.exact, text.sqlalchemy = line, path, exact, sqlalchemy
        return text


def text_clause(sql: object) -> object:
    """What `sqlalchemy.text(sql)` folds to: the same text, marked for `:name` binds."""
    if isinstance(sql, SourceText):
        return SourceText(sql, sql.line, sql.path, sql.exact, sqlalchemy=True)
    if isinstance(sql, str):
        return SourceText(sql, 0, None, False, sqlalchemy=True)
    return sql


HUGE_WIDTH = re.compile(r"%[-+ #0]*\d{6}|[{:][^{}]*\d{6}")


def str_format(template: str, *args: object, **kwargs: object) -> str:
    """str.format, refusing widths that would allocate huge strings."""
    if HUGE_WIDTH.search(template):
        raise ValueError("format width too large to fold")
    return str.format(template, *args, **kwargs)


def str_replace(text: str, old: str, new: str, count: int = -1) -> str:
    """str.replace, refusing replacements that would allocate huge strings."""
    if len(new) > len(old) and (len(text) + 1) * len(new) > MAX_STR:
        raise ValueError("result too large to fold")
    return str.replace(text, old, new, count)


def dedent(text: str) -> str:
    """textwrap.dedent; a SourceText keeps its position (dedenting removes no lines)."""
    result = textwrap.dedent(text)
    if isinstance(text, SourceText):
        return SourceText(result, text.line, text.path, text.exact)
    return result


def str_strip(text: str, chars: str | None = None, method: str = "strip") -> str:
    """str.strip family; a SourceText keeps its line, moved past the stripped leading newlines."""
    result = getattr(str, method)(text, chars)
    if not isinstance(text, SourceText):
        return result
    removed = 0 if method == "rstrip" else len(text) - len(text.lstrip(chars))
    return SourceText(result, text.line + text.count("\n", 0, removed), text.path, text.exact)


def str_split(text: str, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    """str.split; pieces of a SourceText keep the line they start on."""
    parts = str.split(text, sep, maxsplit)
    if not isinstance(text, SourceText) or not sep:
        return parts
    located: list[str] = []
    line, offset = text.line, 0
    for part in parts:
        located.append(SourceText(part, line, text.path, text.exact))
        line += text.count("\n", offset, offset + len(part) + len(sep))
        offset += len(part) + len(sep)
    return located


def join_fstring(parts: list[object]) -> object:
    """An f-string from its folded parts; when one is not static, the text before it is kept as
    the Unknown's prefix (a read query is recognised by its start)."""
    if find_unknown(parts) is None:
        return "".join(map(str, parts))
    prefix = ""
    for part in parts:
        if not isinstance(part, str):
            break
        prefix += part
    result = lift(lambda *ps: "".join(ps), *parts)
    assert isinstance(result, Unknown)
    return Unknown(result.why, result.probe, prefix, result.default)


def format_field(value: object, spec: object, conversion: int) -> object:
    """One `{value!conversion:spec}` field of an f-string."""
    conversions: dict[int, Callable[[object], str]] = {115: str, 114: repr, 97: ascii}
    convert = conversions.get(conversion)
    if isinstance(spec, str) and HUGE_WIDTH.search(":" + spec):
        return Unknown("format width too large to fold")
    if convert is not None and convert is not str and isinstance(value, Opaque):
        return Unknown("repr() of an object is not static")
    return lift(lambda v, s: format(convert(v) if convert else v, s), value, spec)
