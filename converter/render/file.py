"""The revision file: the template, the header docstring, the `legacy_sources` record, the
`startup_sources` and `unknown_before` ones.

The output looks like Alembic autogenerate (Flask-Migrate's script.py.mako) so that users read and
edit it as they would any revision; the same revision gives byte-identical text.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources

import jinja2

from converter.core.dialects import Dialect
from converter.ir.revision import Revision
from converter.render.code import Call, Ctx, RenderError, layout
from converter.render.ops import render_body


def render_revision(rev: Revision, dialect: Dialect) -> str:
    """The complete text of one revision file; byte-identical for the same input."""
    ctx = Ctx(Dialect(dialect).sqlalchemy)
    upgrade = render_body(rev.upgrade, ctx)
    downgrade = render_body(rev.downgrade, ctx)
    text = _template().render(
        docstring=_docstring(_header_text(rev)),
        imports=[f"from sqlalchemy.dialects import {name}" for name in sorted(ctx.imports)],
        revision=repr(rev.id),
        down_revision=repr(rev.down_revision),
        legacy_sources=_legacy_sources(rev),
        startup_sources=_startup_sources(rev),
        unknown_before=_unknown_before(rev),
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
    pairs = tuple(Call("(", (repr(src.path), repr(src.sha256))) for src in rev.sources)
    return layout(Call("legacy_sources = (", pairs, single_comma=True), 0)


def _startup_sources(rev: Revision) -> str | None:
    """The `startup_sources` tuple of application files, or None when there are none."""
    paths = tuple(repr(src.path) for src in rev.sources if src.startup)
    if not paths:
        return None
    return layout(Call("startup_sources = (", paths, single_comma=True), 0)


def _unknown_before(rev: Revision) -> str | None:
    """The `unknown_before` tuple of (table, column, attribute), or None when there are none."""
    if not rev.unknown_before:
        return None
    items = tuple(Call("(", tuple(repr(part) for part in item)) for item in rev.unknown_before)
    return layout(Call("unknown_before = (", items, single_comma=True), 0)
