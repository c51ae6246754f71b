"""The project tree walked once, and the globs that pick files in it.

Excluded folders, virtualenvs and archives `legacy2alembic archive` wrote are pruned before
descending: a virtualenv or node_modules can dwarf the project. Globs compile to one regex each, so
that matching a path costs one `fullmatch`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

ARCHIVE_MANIFEST = "MANIFEST.json"
VENV_MARKER = "pyvenv.cfg"


def compile_globs(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching a relative posix path against any pattern; `**` spans folders."""
    parts = [_glob_regex(p.removeprefix("./")) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            token, i = _glob_token(pattern, i)
            out.append(token)
    return "".join(out)


def _glob_token(pattern: str, i: int) -> tuple[str, int]:
    char = pattern[i]
    if char == "*":
        return "[^/]*", i + 1
    if char == "?":
        return "[^/]", i + 1
    end = pattern.find("]", i + 2) if char == "[" else -1
    if end < 0:
        return re.escape(char), i + 1
    body = pattern[i + 1 : end]
    negate = body.startswith("!")
    body = body[1:] if negate else body
    return f"[{'^' if negate else ''}{body.replace(chr(92), chr(92) * 2)}]", end + 1


def matches(regex: re.Pattern[str] | None, path: str) -> bool:
    return regex is not None and regex.fullmatch(path) is not None


class _Excluder:
    """Exclude entries without `/` match folder names; entries with `/` match relative paths."""

    def __init__(self, patterns: Sequence[str]) -> None:
        cleaned = [p.strip("/") for p in patterns if p.strip("/")]
        self._names = compile_globs(p for p in cleaned if "/" not in p)
        self._paths = compile_globs(p for p in cleaned if "/" in p)

    def folder(self, rel: str, name: str) -> bool:
        return matches(self._names, name) or matches(self._paths, rel)

    def file(self, rel: str) -> bool:
        return matches(self._paths, rel)


def walk_tree(root: Path, exclude: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """Yield (folder relative to root, sorted file names) once per folder, never descending into
    excluded folders or virtualenvs (a folder holding `pyvenv.cfg`)."""
    excluder = _Excluder(exclude)
    for top, dirnames, filenames in os.walk(root):
        rel = _posix_relative(top, root)
        if rel and (VENV_MARKER in filenames or _is_archive(top, filenames)):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not excluder.folder(join(rel, d), d))
        yield rel, sorted(f for f in filenames if not excluder.file(join(rel, f)))


def _is_archive(top: str, filenames: list[str]) -> bool:
    """A folder `legacy2alembic archive` wrote: its scripts are history, not sources."""
    if ARCHIVE_MANIFEST not in filenames:
        return False
    try:
        with open(os.path.join(top, ARCHIVE_MANIFEST), encoding="utf-8") as handle:
            return '"tool": "legacy2alembic"' in handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return False


def _posix_relative(top: str, root: Path) -> str:
    rel = os.path.relpath(top, root)
    return "" if rel == "." else rel.replace(os.sep, "/")


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
