"""What extraction produces: SQL statements (and a few Python-level events) with their origin.

`.sql` sources and `.py` sources both reduce to a list of `Item`s, in source order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from converter.core.diagnostics import Origin
from converter.ir.ops import DeclaredTable


class Flag(str, Enum):
    GUARDED = "guarded"  # IF NOT EXISTS, a column check, try/except "duplicate column": apply once
    IN_LOOP = "in_loop"  # produced by a loop over a literal list
    DYNAMIC = "dynamic"  # built from values that could not be folded: needs a manual port
    AUTOCOMMIT = "autocommit"  # the script ran it outside a transaction (autocommit mode)


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement, exact text as the legacy source would send it to the database."""

    sql: str
    origin: Origin
    flags: frozenset[Flag] = frozenset()
    # Set when extraction already knows the statement is not part of the schema history
    # (transaction control, psql meta-command, PRAGMA / SELECT probe...).
    ignored: str | None = None
    # Set when extraction knows the user must look at it (psql \gexec, \i, ...): a warning
    # is emitted with this text.
    warning: str | None = None
    # What the revision should say next to the converted statement (a run-time condition the
    # legacy run applied to it that the conversion does not).
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CreateAllCall:
    """`db.create_all()`, `metadata.create_all(tables=[...])`, `Model.__table__.create()`.

    `tables`: table names known statically (from `tables=[...]`, `X.__table__`), or the names of
    model classes the script imports (`models`) for plan to resolve against the reference.
    """

    origin: Origin
    call: str  # source text of the call, for messages
    tables: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    declared: tuple[DeclaredTable, ...] = ()  # the script's own model classes, fully known


@dataclass(frozen=True, slots=True)
class ManualCode:
    """Python code that changes data or schema but cannot be converted (row-by-row fixes, dynamic
    SQL). Carried into the revision as a clearly marked TODO with the original code."""

    origin: Origin
    code: str
    reason: str


Item = Statement | CreateAllCall | ManualCode


@dataclass
class Extraction:
    """All items of one legacy source, in source order."""

    items: list[Item] = field(default_factory=list)
