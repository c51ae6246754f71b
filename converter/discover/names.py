"""What a legacy source's file name says: its logical source, dialect twin and ordering prefix.

Ordering and twin selection both work from these, so a name is read once into a `Candidate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from converter.core.dialects import find_dialect
from converter.discover.walk import join

_TWIN_SUFFIX = re.compile(r"[._](sqlite|postgresql|postgres|pg|mysql)$", re.IGNORECASE)
_MIGRATE = re.compile(r"^migrate[_-]", re.IGNORECASE)
_FLYWAY = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_DATE = re.compile(r"^((\d{4})[-_]?(\d{2})[-_]?(\d{2}))(?!\d)")
_NUMBER = re.compile(r"^(\d+)(?!\d)")


@dataclass(frozen=True)
class _Prefix:
    key: tuple[int, ...]
    label: str


@dataclass(frozen=True)
class Candidate:
    """A file matched by the globs, with what ordering and twin selection need from its name."""

    path: str
    kind: str
    logical: str
    dialect: str | None
    prefix: _Prefix | None
    natural: tuple[str | int, ...]
    # How it was found: "glob" (a py / sql glob), "sweep" (a .sql file elsewhere), "name" (a
    # script named like a migration: a source only when it runs DDL).
    rule: str = "glob"
    dialect_from: str = "name"  # or "content": MySQL-only syntax in a file without a suffix

    @property
    def series(self) -> tuple[str, str]:
        return (str(PurePosixPath(self.path).parent), self.kind)

    def name_key(self) -> tuple[object, ...]:
        prefix = (0, self.prefix.key) if self.prefix else (1, ())
        return (*prefix, self.natural, self.path)

    def name_reason(self) -> str:
        return self.prefix.label if self.prefix else "name order"


def candidate_for(path: str, kind: str, rule: str = "glob") -> Candidate:
    pure = PurePosixPath(path)
    folder = "" if str(pure.parent) == "." else str(pure.parent)
    stem = pure.name[: -len(pure.suffix)] if pure.suffix else pure.name
    twin = _TWIN_SUFFIX.search(stem)
    base = stem[: twin.start()] if twin else stem
    ordered = _MIGRATE.sub("", base, count=1)
    return Candidate(
        path=path,
        kind=kind,
        logical=join(folder, base + pure.suffix),
        dialect=normalize_dialect(twin.group(1)) if twin else None,
        prefix=prefix_of(ordered),
        natural=natural_key(ordered),
        rule=rule,
    )


def without_prefix(stem: str) -> str:
    """The stem without its ordering prefix (`2025_07_21_add_x` -> `add_x`, `V2__fix` -> `fix`)."""
    prefix = prefix_of(stem)
    if prefix is None:
        return stem
    for pattern in (_FLYWAY, _DATE, _NUMBER):
        found = pattern.match(stem)
        if found:
            return stem[found.end() :].lstrip("_-.")
    return stem


def normalize_dialect(name: str) -> str:
    """`postgresql`, `pg` -> `postgres`; `mariadb` -> `mysql`; other names lower-cased."""
    return find_dialect(name) or name.lower()


def prefix_of(stem: str) -> _Prefix | None:
    """The ordering prefix at the start of a stem: Flyway `V1_2__`, a date, or a number."""
    flyway = _FLYWAY.match(stem)
    if flyway:
        key = tuple(int(n) for n in re.split(r"[._]", flyway.group(1)))
        return _Prefix(key, f"prefix V{flyway.group(1)}")
    date = _DATE.match(stem)
    if date and _is_date(*(int(g) for g in date.group(2, 3, 4))):
        return _Prefix((int("".join(date.group(2, 3, 4))),), f"date prefix {date.group(1)}")
    number = _NUMBER.match(stem)
    return _Prefix((int(number.group(1)),), f"prefix {number.group(1)}") if number else None


def _is_date(year: int, month: int, day: int) -> bool:
    return 1970 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def natural_key(text: str) -> tuple[str | int, ...]:
    """Digit runs compare as numbers (`2_x` before `10_x`); letters ignore case."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts))
