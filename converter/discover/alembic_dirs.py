"""Existing Alembic folders: found, and their revisions never read as legacy sources.

A folder counts when it holds `env.py` and `script.py.mako`, or when an `alembic.ini` names it as
`script_location` and it really holds Alembic's files (`env.py`, or revisions in `versions/`).
Only `env.py` and `versions/` are Alembic's: hand-written `.sql` and scripts that teams drop beside
them in a Flask-Migrate `migrations/` folder are legacy sources.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.core.files import read_project_file
from converter.discover.names import Candidate
from converter.discover.scan import Scan


def migrations_dirs(root: Path, scan: Scan, diags: Diagnostics) -> tuple[str, ...]:
    """The Alembic folders of the project: env.py folders and script_locations."""
    found = set(scan.env_dirs)
    for ini in scan.ini_files:
        location = _script_location(root, ini, diags)
        if location is not None and _holds_alembic(root / location):
            found.add(location)
    return tuple(sorted(found))


def _holds_alembic(folder: Path) -> bool:
    """An `alembic.ini` may name a folder that only holds legacy SQL: that one is not Alembic's."""
    if (folder / "env.py").is_file():
        return True
    versions = folder / "versions"
    return versions.is_dir() and any(p.suffix == ".py" for p in versions.iterdir())


def _script_location(root: Path, ini: str, diags: Diagnostics) -> str | None:
    """The folder an alembic.ini names, relative to root; None for package resources or outside."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_project_file(root, ini).decode("utf-8"), source=ini)
    except (InputError, UnicodeDecodeError, configparser.Error) as exc:
        diags.warning(Origin(ini), f"cannot read alembic.ini: {_reason(exc)}", code="L2A108")
        return None
    value = parser.get("alembic", "script_location", fallback=None)
    if not value or re.match(r"^[\w.]+:(?![\\/])", value):
        return None
    here = root / PurePosixPath(ini).parent
    target = Path(os.path.normpath(here / value.replace("%(here)s", str(here))))
    rel = os.path.relpath(target, os.path.normpath(root))
    return None if rel.startswith("..") else ("" if rel == "." else rel.replace(os.sep, "/"))


def inside(path: str, folders: Sequence[str]) -> str | None:
    """The first of `folders` holding `path` (the empty folder is the root), or None."""
    for folder in folders:
        if not folder or path.startswith(folder + "/"):
            return folder
    return None


def outside_alembic(
    candidates: list[Candidate], migrations: Sequence[str]
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """Candidates that are not Alembic's own files (`env.py`, `versions/`); a glob match among
    those is skipped with why, a file only the default discovery picked is left out silently."""
    kept: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    for candidate in candidates:
        folder = _alembic_owner(candidate.path, migrations)
        if folder is None:
            kept.append(candidate)
        elif candidate.rule == "glob":
            skipped.append((candidate.path, f"part of the Alembic folder {folder or '.'}/"))
    return kept, skipped


def _alembic_owner(path: str, migrations: Sequence[str]) -> str | None:
    for folder in migrations:
        prefix = f"{folder}/" if folder else ""
        if path == f"{prefix}env.py" or path.startswith(f"{prefix}versions/"):
            return folder
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return exc.message
    return exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
