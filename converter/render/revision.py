"""Render planned revisions as Alembic revision files.

The output looks like Alembic autogenerate (Flask-Migrate's script.py.mako) so that users read and
edit it as they would any revision. Ops know nothing about text: one renderer per op class,
dispatched with `functools.singledispatch`, mirrors alembic/autogenerate/render.py. Every value
placed into code goes through `repr()` (or a triple-quoted literal checked with `ast.literal_eval`);
SQL handed to `sa.text()` is escaped so that the database receives the legacy text byte for byte.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources
import itertools
import keyword
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeAlias

import jinja2
import sqlalchemy

from converter.core.diagnostics import Origin
from converter.core.dialects import Dialect
from converter.core.errors import ConverterError
from converter.ir import ops as o
from converter.ir.revision import Revision
from converter.lower.types import render_type

LINE_LENGTH = 100
STEP = 4
BEGIN_MARK = "# ### commands converted by legacy2alembic ###"
END_MARK = "# ### end legacy2alembic commands ###"
TODO_MARK = "TODO(legacy2alembic)"

# Column and constraint changes SQLite cannot do with ALTER TABLE: they run in batch mode there.
_BATCH_OPS = (
    o.AddColumn,
    o.DropColumn,
    o.AlterColumn,
    o.RenameColumn,
    o.AddConstraint,
    o.DropConstraint,
)
_DIALECT_MODULE = re.compile(r"\b(postgresql|mysql|sqlite|mssql|oracle)\.")


class RenderError(ConverterError):
    """An op that cannot be written as revision code (a bug upstream, not bad input)."""


# sqlglot dialect names (used by the pipeline) -> SQLAlchemy names (used in generated code).


@dataclass
class _Ctx:
    """Where a statement is being rendered: dialect, indentation, inside a batch block or not."""

    dialect: str
    indent: int = STEP
    batch: bool = False
    imports: set[str] = field(default_factory=set)

    def nested(self, batch: bool = False) -> _Ctx:
        return replace(self, indent=self.indent + STEP, batch=batch)

    @property
    def pad(self) -> str:
        return " " * self.indent


# ---- public entry point ------------------------------------------------------------------------


def render_revision(rev: Revision, dialect: str) -> str:
    """The complete text of one revision file; byte-identical for the same input."""
    ctx = _Ctx(Dialect(dialect).sqlalchemy)
    upgrade = _render_body(rev.upgrade, ctx)
    downgrade = _render_body(rev.downgrade, ctx)
    text = _template().render(
        docstring=_docstring(_header_text(rev)),
        imports=[f"from sqlalchemy.dialects import {name}" for name in sorted(ctx.imports)],
        revision=repr(rev.id),
        down_revision=repr(rev.down_revision),
        legacy_sources=_legacy_sources(rev),
        upgrade=upgrade,
        downgrade=downgrade,
    )
    return text


@functools.cache
def _template() -> jinja2.Template:
    source = importlib.resources.files("converter.templates").joinpath("revision.py.j2")
    env = jinja2.Environment(
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.from_string(source.read_text(encoding="utf-8"))


# ---- header ------------------------------------------------------------------------------------


def _header_text(rev: Revision) -> str:
    lines = [rev.message, "", f"Revision ID: {rev.id}", f"Revises: {rev.down_revision or ''}"]
    if rev.create_date:
        lines.append(f"Create Date: {rev.create_date}")
    if rev.sources:
        lines.append("Legacy sources:")
        for src in rev.sources:
            lines += [f"    {src.path}", f"        sha256:{src.sha256}"]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _docstring(text: str) -> str:
    """A triple-quoted docstring whose value is exactly `text`."""
    body = "".join(_docstring_char(ch) for ch in text).replace('"""', '\\"\\"\\"')
    literal = f'"""{body}\n"""'
    if ast.literal_eval(literal) != text + "\n":  # pragma: no cover - defensive
        raise RenderError(f"cannot write the revision message {text!r} as a docstring")
    return literal


def _docstring_char(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if ch == "\n" or ch.isprintable():
        return ch
    return repr(ch)[1:-1]


def _legacy_sources(rev: Revision) -> str:
    """The `legacy_sources` tuple of (path, sha256) pairs."""
    pairs = tuple(_Call("(", (repr(src.path), repr(src.sha256))) for src in rev.sources)
    return _layout(_Call("legacy_sources = (", pairs, single_comma=True), 0)


# ---- bodies: blocks of ops ---------------------------------------------------------------------


def _render_body(ops: Sequence[o.Op], ctx: _Ctx) -> str:
    """The lines of upgrade() or downgrade() between the markers; `pass` when nothing runs."""
    lines = [ctx.pad + BEGIN_MARK]
    body = _render_ops(ops, ctx)
    lines.extend(body)
    if not any(_is_code(line) for line in body):
        lines.append(ctx.pad + "pass")
    lines.append(ctx.pad + END_MARK)
    return "\n".join(lines)


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _render_ops(ops: Iterable[o.Op], ctx: _Ctx) -> list[str]:
    """Consecutive ops sharing a block (same batch table, or autocommit) share one `with`."""
    lines: list[str] = []
    for key, group in itertools.groupby(ops, key=lambda op: _block_key(op, ctx.dialect)):
        members = list(group)
        if key is None:
            for op in members:
                lines.extend(_render_one(op, ctx))
            continue
        lines.append(ctx.pad + _block_header(key))
        inner = ctx.nested(batch=key[0] == "batch")
        for op in members:
            lines.extend(_render_one(op, inner))
    return lines


def _render_one(op: o.Op, ctx: _Ctx) -> list[str]:
    lines = _comment(str(op.origin), ctx) if op.origin.path else []
    if op.exact and op.statement:
        return lines + _call(ctx, "op.execute", [_sa_text(op.statement)])
    return lines + render_op(op, ctx)


def _block_key(op: o.Op, dialect: str) -> tuple[str, ...] | None:
    if op.exact and op.statement:
        return None
    if dialect == "sqlite" and isinstance(op, _BATCH_OPS):
        return ("batch", op.table, repr(op.schema))
    if _needs_autocommit(op):
        return ("autocommit",)
    return None


def _block_header(key: tuple[str, ...]) -> str:
    if key[0] == "batch":
        return f"with op.batch_alter_table({key[1]!r}, schema={key[2]}) as batch_op:"
    return "with op.get_context().autocommit_block():"


def _needs_autocommit(op: o.Op) -> bool:
    """True for statements that cannot run inside a transaction."""
    if isinstance(op, o.ExecuteSQL):
        return op.autocommit
    if isinstance(op, (o.CreateIndex, o.DropIndex)):
        return op.concurrently
    return False


# ---- code building helpers ---------------------------------------------------------------------


class _Call:
    """Code of the form `head part, part, ... tail`, laid out by `_layout`.

    `flat` is the code on one line, computed once at construction: layout asks for it at every
    nesting level, and a parent's one-line form is built from its parts' ones."""

    __slots__ = ("head", "parts", "tail", "single_comma", "flat")

    def __init__(
        self, head: str, parts: tuple[_Code, ...], tail: str = ")", single_comma: bool = False
    ) -> None:
        self.head = head
        self.parts = parts
        self.tail = tail
        self.single_comma = single_comma  # a one-element tuple keeps its comma
        comma = "," if single_comma and len(parts) == 1 else ""
        joined = ", ".join([p if isinstance(p, str) else p.flat for p in parts])
        self.flat = f"{head}{joined}{comma}{tail}"

    def joined(self) -> str:
        """The parts on one line, separated by commas (the middle of `flat`)."""
        comma = 1 if self.single_comma and len(self.parts) == 1 else 0
        return self.flat[len(self.head) : len(self.flat) - len(self.tail) - comma]


_Code: TypeAlias = "str | _Call"


def _flat(code: _Code) -> str:
    return code if isinstance(code, str) else code.flat


def _layout(code: _Code, indent: int, reserve: int = 0) -> str:
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
    body = "".join(f"{inner}{_layout(p, indent + STEP, reserve=1)},\n" for p in code.parts)
    return f"{code.head}\n{body}{pad}{code.tail}"


def _statement(code: _Code, ctx: _Ctx) -> str:
    return ctx.pad + _layout(code, ctx.indent)


def _call(
    ctx: _Ctx, func: str, args: Sequence[_Code], kwargs: Sequence[tuple[str, str | None]] = ()
) -> list[str]:
    """One call statement at the context's indentation; kwargs whose code is None are left out."""
    parts: list[_Code] = list(args)
    parts += [f"{key}={value}" for key, value in kwargs if value is not None]
    return [_statement(_Call(f"{func}(", tuple(parts)), ctx)]


def _target(ctx: _Ctx, func: str, table: str) -> tuple[str, list[str]]:
    """`op.func` with the table as first argument, or `batch_op.func` without it."""
    if ctx.batch:
        return f"batch_op.{func}", []
    return f"op.{func}", [repr(table)]


def _schema_kw(ctx: _Ctx, schema: str | None) -> tuple[str, str | None]:
    return ("schema", None if ctx.batch or schema is None else repr(schema))


def _where(op: o.Op) -> Origin | None:
    return op.origin if op.origin.path else None


def _opt(value: object) -> str | None:
    """repr() of an optional keyword value; None means "leave the keyword out"."""
    return None if value is None else repr(value)


def _names(names: Iterable[str]) -> str:
    return "[" + ", ".join(repr(name) for name in names) + "]"


def _comment(text: str, ctx: _Ctx, prefix: str = "# ") -> list[str]:
    """`text` as comment lines: every line break starts a new comment, control characters are
    escaped, so nothing in it can leak out of the comment."""
    if text.isprintable():  # no line break nor control character: one line as it is
        return [f"{ctx.pad}{prefix}{text}".rstrip()]
    return [f"{ctx.pad}{prefix}{_printable(line)}".rstrip() for line in text.splitlines() or [""]]


def _note(text: str, ctx: _Ctx) -> list[str]:
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


def _type(spec: o.TypeSpec | None, ctx: _Ctx) -> str:
    code = "sa.NullType()" if spec is None else render_type(spec)
    ctx.imports.update(_DIALECT_MODULE.findall(code))
    return code


# ---- exact SQL through sa.text() ---------------------------------------------------------------

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


def _sql_literal(sql: str) -> str:
    """The literal of SQL that SQLAlchemy coerces with text() (CHECK bodies)."""
    return _str_literal(escape_text_sql(sql))


def _sa_text(sql: str) -> str:
    return f"sa.text({_sql_literal(sql)})"


# ---- renderers: one per op class ---------------------------------------------------------------


@functools.singledispatch
def render_op(op: o.Op, ctx: _Ctx) -> list[str]:
    """The code lines of one op, indented for `ctx`."""
    raise RenderError(f"no renderer for {type(op).__name__}", _where(op))


@render_op.register
def _(op: o.CreateTable, ctx: _Ctx) -> list[str]:
    parts: list[_Code] = [repr(op.table)]
    parts += [_column(col, ctx) for col in op.columns]
    parts += [_constraint_element(con) for con in _table_constraints(op)]
    if op.schema is not None:
        parts.append(f"schema={op.schema!r}")
    parts += [f"{_keyword(key, op)}={value!r}" for key, value in op.dialect_kwargs]
    return [_statement(_Call("op.create_table(", tuple(parts)), ctx)]


def _keyword(name: str, op: o.Op) -> str:
    """A dialect option name used as a keyword argument; anything else is refused, not spliced."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise RenderError(f"{name!r} is not a valid table option name", _where(op))
    return name


def _table_constraints(op: o.CreateTable) -> list[o.Constraint]:
    """The table's constraints, with a primary key built from column flags when none is given."""
    constraints = list(op.constraints)
    pk_columns = tuple(col.name for col in op.columns if col.primary_key)
    if pk_columns and not any(isinstance(con, o.PrimaryKey) for con in constraints):
        constraints.insert(0, o.PrimaryKey(pk_columns))
    return constraints


def _column(col: o.ColumnDef, ctx: _Ctx, primary_key: bool = False) -> _Call:
    """`sa.Column(...)` in autogenerate's argument order; nullable is always explicit."""
    parts = [repr(col.name), _type(col.type, ctx)]
    if col.identity:
        parts.append("sa.Identity()")
    if col.server_default is not None:
        parts.append(f"server_default={_sa_text(col.server_default)}")
    if primary_key and col.primary_key:
        parts.append("primary_key=True")
    if col.autoincrement is not None:
        parts.append(f"autoincrement={col.autoincrement!r}")
    parts.append(f"nullable={col.nullable!r}")
    if col.comment is not None:
        parts.append(f"comment={col.comment!r}")
    return _Call("sa.Column(", tuple(parts))


@functools.singledispatch
def _constraint_element(con: o.Constraint) -> _Call:
    """The `sa.*Constraint(...)` argument of create_table."""
    raise RenderError(f"no renderer for constraint {type(con).__name__}")


@_constraint_element.register
def _(con: o.PrimaryKey) -> _Call:
    return _element("sa.PrimaryKeyConstraint", [repr(c) for c in con.columns], con.name)


@_constraint_element.register
def _(con: o.Unique) -> _Call:
    return _element("sa.UniqueConstraint", [repr(c) for c in con.columns], con.name)


@_constraint_element.register
def _(con: o.Check) -> _Call:
    return _element("sa.CheckConstraint", [_sql_literal(con.sqltext)], con.name)


@_constraint_element.register
def _(con: o.ForeignKey) -> _Call:
    prefix = f"{con.ref_schema}." if con.ref_schema else ""
    refs = _names(f"{prefix}{con.ref_table}.{col}" for col in con.ref_columns)
    return _element(
        "sa.ForeignKeyConstraint", [_names(con.columns), refs], con.name, _fk_options(con)
    )


def _element(
    func: str, args: list[str], name: str | None, options: Sequence[tuple[str, str | None]] = ()
) -> _Call:
    kwargs = [("name", _opt(name)), *options]
    parts = args + [f"{key}={value}" for key, value in kwargs if value is not None]
    return _Call(f"{func}(", tuple(parts))


def _fk_options(con: o.ForeignKey) -> list[tuple[str, str | None]]:
    return [
        ("ondelete", _opt(con.ondelete)),
        ("onupdate", _opt(con.onupdate)),
        ("deferrable", _opt(con.deferrable)),
        ("initially", _opt(con.initially)),
    ]


@render_op.register
def _(op: o.DropTable, ctx: _Ctx) -> list[str]:
    return _call(ctx, "op.drop_table", [repr(op.table)], [_schema_kw(ctx, op.schema)])


@render_op.register
def _(op: o.RenameTable, ctx: _Ctx) -> list[str]:
    return _call(ctx, "op.rename_table", [repr(op.old), repr(op.new)], [_schema_kw(ctx, op.schema)])


@render_op.register
def _(op: o.AddColumn, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "add_column", op.table)
    lines = _call(
        ctx, func, args + [_column(op.column, ctx, primary_key=True)], [_schema_kw(ctx, op.schema)]
    )
    for con in op.constraints:
        lines += _create_constraint(con, op.table, op.schema, ctx)
    return lines


@render_op.register
def _(op: o.DropColumn, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "drop_column", op.table)
    return _call(ctx, func, args + [repr(op.column)], [_schema_kw(ctx, op.schema)])


@render_op.register
def _(op: o.AlterColumn, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "alter_column", op.table)
    existing = op.existing
    kwargs = [("existing_type", _existing_type(existing, ctx))]
    if op.server_default is not o.UNSET:
        kwargs.append(("server_default", _server_default(op.server_default)))
    if isinstance(op.type, o.TypeSpec):
        kwargs.append(("type_", _type(op.type, ctx)))
    if op.nullable is not o.UNSET:
        kwargs.append(("nullable", repr(op.nullable)))
    else:
        kwargs.append(("existing_nullable", _opt(existing and existing.nullable)))
    kwargs.append(("existing_comment", _opt(existing and existing.comment)))
    if op.server_default is o.UNSET:
        kwargs.append(("existing_server_default", _existing_default(existing)))
    kwargs += [("postgresql_using", _using(op.using)), _schema_kw(ctx, op.schema)]
    return _call(ctx, func, args + [repr(op.column)], kwargs)


@render_op.register
def _(op: o.RenameColumn, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "alter_column", op.table)
    existing = op.existing
    kwargs = [
        ("new_column_name", repr(op.new)),
        ("existing_type", _existing_type(existing, ctx)),
        ("existing_nullable", _opt(existing and existing.nullable)),
        ("existing_comment", _opt(existing and existing.comment)),
        ("existing_server_default", _existing_default(existing)),
        _schema_kw(ctx, op.schema),
    ]
    return _call(ctx, func, args + [repr(op.old)], kwargs)


def _using(sql: str | None) -> str | None:
    """Alembic puts `postgresql_using` into the ALTER statement as is, and SQLAlchemy then runs
    DDL with an empty parameter set: pyformat drivers (psycopg2, psycopg) read `%` as a
    placeholder there, so it is doubled, as SQLAlchemy's own DDL compiler does for them."""
    return None if sql is None else repr(sql.replace("%", "%%"))


def _existing_type(existing: o.ColumnDef | None, ctx: _Ctx) -> str | None:
    return None if existing is None or existing.type is None else _type(existing.type, ctx)


def _existing_default(existing: o.ColumnDef | None) -> str | None:
    if existing is None or existing.server_default is None:
        return None
    return _sa_text(existing.server_default)


def _server_default(value: object) -> str:
    return "None" if value is None else _sa_text(str(value))


@render_op.register
def _(op: o.CreateIndex, ctx: _Ctx) -> list[str]:
    elements = "[" + ", ".join(_index_element(el) for el in op.elements) + "]"
    kwargs = [
        ("unique", repr(op.unique)),
        _schema_kw(ctx, op.schema),
        (f"{ctx.dialect}_using", _opt(op.method)),
        (f"{ctx.dialect}_where", None if op.where is None else _sa_text(op.where)),
        ("postgresql_concurrently", "True" if op.concurrently else None),
    ]
    return _call(ctx, "op.create_index", [repr(op.name), repr(op.table), elements], kwargs)


def _index_element(el: o.IndexElement) -> str:
    return _sa_text(el.text) if el.expression else repr(el.text)


@render_op.register
def _(op: o.DropIndex, ctx: _Ctx) -> list[str]:
    kwargs = [
        ("table_name", _opt(op.table)),
        _schema_kw(ctx, op.schema),
        ("postgresql_concurrently", "True" if op.concurrently else None),
    ]
    return _call(ctx, "op.drop_index", [repr(op.name)], kwargs)


@render_op.register
def _(op: o.AddConstraint, ctx: _Ctx) -> list[str]:
    return _create_constraint(op.constraint, op.table, op.schema, ctx)


@render_op.register
def _(op: o.DropConstraint, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "drop_constraint", op.table)
    kwargs = [("type_", _opt(op.kind)), _schema_kw(ctx, op.schema)]
    return _call(ctx, func, [repr(op.name)] + args, kwargs)


@functools.singledispatch
def _create_constraint(con: o.Constraint, table: str, schema: str | None, ctx: _Ctx) -> list[str]:
    """`op.create_*` for a constraint added to an existing table."""
    raise RenderError(f"no renderer for constraint {type(con).__name__}")


@_create_constraint.register
def _(con: o.PrimaryKey, table: str, schema: str | None, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "create_primary_key", table)
    return _call(
        ctx, func, [repr(con.name)] + args + [_names(con.columns)], [_schema_kw(ctx, schema)]
    )


@_create_constraint.register
def _(con: o.Unique, table: str, schema: str | None, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "create_unique_constraint", table)
    return _call(
        ctx, func, [repr(con.name)] + args + [_names(con.columns)], [_schema_kw(ctx, schema)]
    )


@_create_constraint.register
def _(con: o.Check, table: str, schema: str | None, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "create_check_constraint", table)
    return _call(
        ctx, func, [repr(con.name)] + args + [_sql_literal(con.sqltext)], [_schema_kw(ctx, schema)]
    )


@_create_constraint.register
def _(con: o.ForeignKey, table: str, schema: str | None, ctx: _Ctx) -> list[str]:
    func, args = _target(ctx, "create_foreign_key", table)
    positional = (
        [repr(con.name)]
        + args
        + [repr(con.ref_table), _names(con.columns), _names(con.ref_columns)]
    )
    kwargs = _fk_options(con) + [
        ("source_schema", None if ctx.batch else _opt(schema)),
        ("referent_schema", _opt(con.ref_schema)),
    ]
    return _call(ctx, func, positional, kwargs)


@render_op.register
def _(op: o.CreateEnum, ctx: _Ctx) -> list[str]:
    return [f"{ctx.pad}{_enum(op.name, op.values, op.schema, ctx)}.create({_enum_bind(ctx)})"]


@render_op.register
def _(op: o.DropEnum, ctx: _Ctx) -> list[str]:
    return [f"{ctx.pad}{_enum(op.name, (), op.schema, ctx)}.drop({_enum_bind(ctx)})"]


def _enum(name: str, values: Sequence[str], schema: str | None, ctx: _Ctx) -> str:
    parts = [repr(value) for value in values] + [f"name={name!r}"]
    if schema is not None:
        parts.append(f"schema={schema!r}")
    if ctx.dialect == "postgresql":
        ctx.imports.add("postgresql")
        return f"postgresql.ENUM({', '.join(parts)})"
    return f"sa.Enum({', '.join(parts)})"


def _enum_bind(ctx: _Ctx) -> str:
    return "op.get_bind()" if ctx.dialect == "postgresql" else "op.get_bind(), checkfirst=False"


@render_op.register
def _(op: o.ExecuteSQL, ctx: _Ctx) -> list[str]:
    return _call(ctx, "op.execute", [_sa_text(op.sql)])


@render_op.register
def _(op: o.RewriteTable, ctx: _Ctx) -> list[str]:
    note = f"legacy2alembic: table {op.table!r} rebuilt through {op.temp_table!r}, step by step:"
    return _note(note, ctx) + _render_ops(op.steps, ctx)


@render_op.register
def _(op: o.CreateTablesFromModels, ctx: _Ctx) -> list[str]:
    raise RenderError(
        f"{op.call} was not resolved to create_table operations before rendering", _where(op)
    )


@render_op.register
def _(op: o.ManualTodo, ctx: _Ctx) -> list[str]:
    return _note(f"{TODO_MARK}: {op.reason}", ctx) + _comment(op.code, ctx, prefix="#     ")


@render_op.register
def _(op: o.Irreversible, ctx: _Ctx) -> list[str]:
    return _note(f"legacy2alembic: cannot downgrade: {op.reason}", ctx)
