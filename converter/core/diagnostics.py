"""Where things come from, and what the tool has to say about them.

Every stage records `Diagnostic`s instead of printing; the CLI prints them once, grouped by source.
Each has a stable code (`L2A` and three digits, by stage: 1 discover, 2 extract, 3 lower, 4 plan,
5 retire) that `--json` carries and docs/diagnostics.md explains; the text output is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, order=True, slots=True)
class Origin:
    """A place in a legacy source: path relative to the project root, 1-based line."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


UNCODED = "L2A000"


class Level(str, Enum):
    INFO = "info"
    WARNING = "warning"
    TODO = "todo"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    level: Level
    origin: Origin | None
    message: str
    code: str = UNCODED

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        return f"{where}{self.level.value}: {self.message}"

    def as_json(self) -> dict[str, object]:
        """The `--json` form: file, line, severity, code, message (docs/json.md)."""
        return {
            "level": self.level.value,
            "file": self.origin.path if self.origin else None,
            "line": self.origin.line if self.origin else None,
            "message": self.message,
            "code": self.code,
        }


class Diagnostics:
    """An append-only collector passed through the pipeline."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, level: Level, origin: Origin | None, message: str, code: str = UNCODED) -> None:
        self.items.append(Diagnostic(level, origin, message, code))

    def info(self, origin: Origin | None, message: str, code: str = UNCODED) -> None:
        self.add(Level.INFO, origin, message, code)

    def warning(self, origin: Origin | None, message: str, code: str = UNCODED) -> None:
        self.add(Level.WARNING, origin, message, code)

    def todo(self, origin: Origin | None, message: str, code: str = UNCODED) -> None:
        self.add(Level.TODO, origin, message, code)

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    def of_level(self, *levels: Level) -> list[Diagnostic]:
        return [d for d in self.items if d.level in levels]

    def by_source(self) -> dict[str, list[Diagnostic]]:
        grouped: dict[str, list[Diagnostic]] = {}
        for item in sorted(self.items, key=_sort_key):
            grouped.setdefault(item.origin.path if item.origin else "", []).append(item)
        return grouped


def _sort_key(d: Diagnostic) -> tuple[str, int]:
    return (d.origin.path, d.origin.line) if d.origin else ("", 0)
