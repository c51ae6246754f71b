"""One walk of the project collecting legacy-source candidates and Alembic markers.

The same walk notes `env.py` + `script.py.mako` folders, `alembic.ini` files, and `.sql` files no
glob matches, so that the tree is read only once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from converter.core.config import Config
from converter.core.files import inside
from converter.discover.names import Candidate, candidate_for
from converter.discover.walk import compile_globs, join, matches, walk_tree


@dataclass
class Scan:
    """What one walk of the tree found."""

    candidates: list[Candidate] = field(default_factory=list)
    env_dirs: list[str] = field(default_factory=list)
    ini_files: list[str] = field(default_factory=list)
    other_sql: list[str] = field(default_factory=list)  # .sql files no sql-glob matches
    outside: list[str] = field(default_factory=list)  # symlinks leading out of the project


def scan_tree(root: Path, config: Config) -> Scan:
    """Walk `root` once; candidates are the files the py / sql globs match."""
    py = compile_globs(config.py_globs)
    sql = compile_globs(config.sql_globs)
    scan = Scan()
    for folder, names in walk_tree(root, config.exclude):
        if "env.py" in names and "script.py.mako" in names:
            scan.env_dirs.append(folder)
        if "alembic.ini" in names:
            scan.ini_files.append(join(folder, "alembic.ini"))
        for name in names:
            path = join(folder, name)
            kind = "py" if matches(py, path) else "sql" if matches(sql, path) else None
            if (kind or name.lower().endswith(".sql")) and _leads_outside(root, path):
                scan.outside.append(path)
            elif kind:
                scan.candidates.append(candidate_for(path, kind))
            elif name.lower().endswith(".sql"):
                scan.other_sql.append(path)
    return scan


def _leads_outside(root: Path, path: str) -> bool:
    """A symlink whose target lies outside the project: never a source, never read."""
    return os.path.islink(root / path) and inside(root, root / path) is None
