"""Extract stage: a legacy source file becomes a list of Items (statements, create_all calls,
manual code), in the order the source would run them. Nothing legacy is ever executed."""

from __future__ import annotations

from pathlib import Path

from converter.core.diagnostics import Diagnostics, Origin
from converter.core.dialects import Dialect
from converter.core.errors import InputError
from converter.core.files import read_project_file
from converter.extract.python import extract_python
from converter.extract.sql import (
    classify_lexical,
    decode_source,
    psql_variables,
    require_sql,
    split_sql,
)
from converter.ir.statements import Item, ManualCode

__all__ = ["classify_lexical", "extract", "extract_python", "split_sql"]


def extract(
    path: Path,
    rel: str,
    dialect: Dialect,
    root: Path,
    diags: Diagnostics,
    *,
    startup: bool = False,
    sources: frozenset[str] = frozenset(),
) -> list[Item]:
    """Items of one legacy source: `.sql` files are split, `.py` scripts are read with `ast`
    (of an application file, `startup`, only its start-up code, not what it calls in the
    other legacy `sources`)."""
    data = read_project_file(root, rel)
    text = decode_source(data, rel)
    suffix = path.suffix.lower()
    if suffix == ".sql":
        statements = split_sql(text, rel, dialect)
        require_sql(statements, rel, dialect)
        if dialect != "postgres":
            return list(statements)
        items = psql_variables(statements)  # .sql files for PostgreSQL are run with psql
        for item in items:
            if isinstance(item, ManualCode):
                diags.todo(item.origin, f"port by hand: {item.reason}", code="L2A201")
        return list(items)
    if suffix == ".py":
        return extract_python(text, rel, dialect, root, diags, startup=startup, sources=sources)
    raise InputError(f"unsupported legacy source type {suffix or '(none)'!r}: expected .sql or .py",
                     Origin(rel))  # fmt: skip
