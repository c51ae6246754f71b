"""Existing Alembic folders: found, and their files never read as legacy sources.

A folder counts when it holds `env.py` and `script.py.mako`, or when an `alembic.ini` names it as
`script_location`; revisions already there are Alembic's, not legacy scripts.
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
        if location is not None and (root / location).is_dir():
            found.add(location)
    return tuple(sorted(found))


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
    """Candidates outside every Alembic folder; those inside are skipped, with why."""
    kept: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    for candidate in candidates:
        folder = inside(candidate.path, migrations)
        if folder is None:
            kept.append(candidate)
        else:
            skipped.append((candidate.path, f"inside the Alembic folder {folder or '.'}/"))
    return kept, skipped


def _reason(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return exc.message
    return exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
