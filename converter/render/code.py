"""Building code text: the rendering context, calls laid out as ruff format would, comments.

Every renderer writes through these, so the generated revisions share one layout and line length,
and nothing placed in a comment can leak out of it.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeAlias

from converter.core.diagnostics import Origin
from converter.core.errors import ConverterError
from converter.ir import ops as o
from converter.lower.types import render_type

LINE_LENGTH = 100
STEP = 4
BEGIN_MARK = "# ### commands converted by legacy2alembic ###"
END_MARK = "# ### end legacy2alembic commands ###"
TODO_MARK = "TODO(legacy2alembic)"
_DIALECT_MODULE = re.compile(r"\b(postgresql|mysql|sqlite|mssql|oracle)\.")


class RenderError(ConverterError):
    """An op that cannot be written as revision code (a bug upstream, not bad input)."""


@dataclass
class Ctx:
    """Where a statement is being rendered: dialect, indentation, inside a batch block or not."""

    dialect: str
    indent: int = STEP
    batch: bool = False
    imports: set[str] = field(default_factory=set)

    def nested(self, batch: bool = False) -> Ctx:
        return replace(self, indent=self.indent + STEP, batch=batch)

    @property
    def pad(self) -> str:
        return " " * self.indent


class Call:
    """Code of the form `head part, part, ... tail`, laid out by `layout`.

    `flat` is the code on one line, computed once at construction: layout asks for it at every
    nesting level, and a parent's one-line form is built from its parts' ones."""

    __slots__ = ("head", "parts", "tail", "single_comma", "flat")

    def __init__(
        self, head: str, parts: tuple[Code, ...], tail: str = ")", single_comma: bool = False
    ) -> None:
        self.head = head
        self.parts = parts
        self.tail = tail
        self.single_comma = single_comma  # a one-element tuple keeps its comma
        self.flat: str
        comma = "," if single_comma and len(parts) == 1 else ""
        joined = ", ".join([p if isinstance(p, str) else p.flat for p in parts])
        self.flat = f"{head}{joined}{comma}{tail}"

    def joined(self) -> str:
        """The parts on one line, separated by commas (the middle of `flat`)."""
        comma = 1 if self.single_comma and len(self.parts) == 1 else 0
        return self.flat[len(self.head) : len(self.flat) - len(self.tail) - comma]


Code: TypeAlias = "str | Call"


def _flat(code: Code) -> str:
    return code if isinstance(code, str) else code.flat


def layout(code: Code, indent: int, reserve: int = 0) -> str:
    """`code` starting at column `indent` (not padded), laid out as ruff format does: on one
    line when it fits in LINE_LENGTH (less `reserve` for what follows it), else the parts on one
    indented line, else one part per line with a trailing comma, each part laid out in turn.
    Lines inside multi-line string literals are left as they are."""
    flat = _flat(code)
    if isinstance(code, str) or ("\n" not in flat and indent + len(flat) + reserve <= LINE_LENGTH):
        return flat
    pad, inner = " " * indent, " " * (indent + STEP)
    joined = code.joined()
    multiline = "\n" in joined
    single = len(code.parts) == 1
    if not code.single_comma and (
        (multiline and single) or (not multiline and len(inner) + len(joined) <= LINE_LENGTH)
    ):
        return f"{code.head}\n{inner}{joined}\n{pad}{code.tail}"
    body = "".join(f"{inner}{layout(p, indent + STEP, reserve=1)},\n" for p in code.parts)
    return f"{code.head}\n{body}{pad}{code.tail}"


def statement(code: Code, ctx: Ctx) -> str:
    """`code` laid out as one statement at the context's indentation."""
    return ctx.pad + layout(code, ctx.indent)


def call_statement(
    ctx: Ctx, func: str, args: Sequence[Code], kwargs: Sequence[tuple[str, str | None]] = ()
) -> list[str]:
    """One call statement at the context's indentation; kwargs whose code is None are left out."""
    parts: list[Code] = list(args)
    parts += [f"{key}={value}" for key, value in kwargs if value is not None]
    return [statement(Call(f"{func}(", tuple(parts)), ctx)]


def target(ctx: Ctx, func: str, table: str) -> tuple[str, list[str]]:
    """`op.func` with the table as first argument, or `batch_op.func` without it."""
    if ctx.batch:
        return f"batch_op.{func}", []
    return f"op.{func}", [repr(table)]


def schema_kw(ctx: Ctx, schema: str | None) -> tuple[str, str | None]:
    """The `schema=` keyword; left out in batch mode, where the batch names the table."""
    return ("schema", None if ctx.batch or schema is None else repr(schema))


def where_of(op: o.Op) -> Origin | None:
    """The op's origin for an error message, when it has one."""
    return op.origin if op.origin.path else None


def opt_repr(value: object) -> str | None:
    """repr() of an optional keyword value; None means "leave the keyword out"."""
    return None if value is None else repr(value)


def name_list(names: Iterable[str]) -> str:
    """A list literal of names."""
    return "[" + ", ".join(repr(name) for name in names) + "]"


def comment_lines(text: str, ctx: Ctx, prefix: str = "# ") -> list[str]:
    """`text` as comment lines: every line break starts a new comment, control characters are
    escaped, so nothing in it can leak out of the comment."""
    if text.isprintable():  # no line break nor control character: one line as it is
        return [f"{ctx.pad}{prefix}{text}".rstrip()]
    return [f"{ctx.pad}{prefix}{_printable(line)}".rstrip() for line in text.splitlines() or [""]]


def note_lines(text: str, ctx: Ctx) -> list[str]:
    """A prose comment, wrapped to the line length."""
    pad = ctx.pad
    return [f"{pad}# {line}" for line in _wrapped(text, max(LINE_LENGTH - ctx.indent - 2, 40))]


@functools.lru_cache(maxsize=1024)
def _wrapped(text: str, width: int) -> tuple[str, ...]:
    """The lines of a note (the same reasons recur for thousands of ops: wrapped once each)."""
    lines = textwrap.wrap(
        _printable(" ".join(text.split())), width, break_long_words=False, break_on_hyphens=False
    )
    return tuple(lines or [""])


def _printable(line: str) -> str:
    if line.isprintable():
        return line
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)


def type_code(spec: o.TypeSpec | None, ctx: Ctx) -> str:
    """The code of a column type; a dialect module it uses is added to the imports."""
    code = "sa.NullType()" if spec is None else render_type(spec)
    ctx.imports.update(_DIALECT_MODULE.findall(code))
    return code
