"""A planned revision: what `plan` produces and `render` writes."""

from __future__ import annotations

from dataclasses import dataclass

from converter.ir.ops import Op


@dataclass(frozen=True)
class SourceRef:
    path: str  # relative to the project root, posix
    sha256: str
    startup: bool = False  # an application file's start-up code: live code, never archived


@dataclass(frozen=True)
class Revision:
    id: str  # 12 hex digits, derived from the sources' content
    down_revision: str | None
    message: str
    slug: str  # filename part after the id, e.g. "migrate_add_cache"
    sources: tuple[SourceRef, ...]
    upgrade: tuple[Op, ...]
    downgrade: tuple[Op, ...]
    create_date: str | None = None  # from git history when known; never the wall clock
    # (table, column, attribute) of the schema before this revision that no source states: the
    # baseline guessed them, and this revision is the first to set (or drop) them.
    unknown_before: tuple[tuple[str, str, str], ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.id}_{self.slug}.py"
