"""One walk of the project collecting legacy-source candidates and Alembic markers.

The same walk notes `env.py` + `script.py.mako` folders, `alembic.ini` files, `.sql` files no
glob matches and application files (`app.py`, `wsgi.py`, ...), so that the tree is read only once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from converter.core.config import DEFAULT_PY_GLOBS, DEFAULT_SQL_GLOBS, Config
from converter.core.files import inside
from converter.discover.classify import (
    CHANGE_WORDS,
    NOT_MIGRATION_WORDS,
    NOT_SCRIPTS,
    named_like_migration,
)
from converter.discover.names import Candidate, candidate_for
from converter.discover.startup import APP_FILES
from converter.discover.walk import compile_globs, join, matches, walk_tree


@dataclass
class Scan:
    """What one walk of the tree found."""

    candidates: list[Candidate] = field(default_factory=list)
    env_dirs: list[str] = field(default_factory=list)
    ini_files: list[str] = field(default_factory=list)
    other_sql: list[str] = field(default_factory=list)  # .sql files no sql-glob matches
    outside: list[str] = field(default_factory=list)  # symlinks leading out of the project
    app_files: list[str] = field(default_factory=list)  # named like an application's entry


def scan_tree(root: Path, config: Config) -> Scan:
    """Walk `root` once; candidates are the files the py / sql globs match. With the default
    globs, every other `.sql` file ("sweep") and every script named like a migration ("name")
    is a candidate too, and so is every other script ("script": a source when it is run by hand
    and runs DDL): `classify` decides what each one is. Globs the user sets replace this."""
    py = compile_globs(config.py_globs)
    sql = compile_globs(config.sql_globs)
    sweep_sql = config.sql_globs == DEFAULT_SQL_GLOBS
    sweep_py = config.py_globs == DEFAULT_PY_GLOBS
    scan = Scan()
    for folder, names in walk_tree(root, config.exclude):
        alembic = "env.py" in names and "script.py.mako" in names
        if alembic:
            scan.env_dirs.append(folder)
        if "alembic.ini" in names:
            scan.ini_files.append(join(folder, "alembic.ini"))
        for name in names:
            path = join(folder, name)
            kind = "py" if matches(py, path) else "sql" if matches(sql, path) else None
            rule = "glob" if kind else _sweep_rule(name, sweep_sql, sweep_py, alembic)
            if (kind or rule or name.lower().endswith(".sql")) and _leads_outside(root, path):
                if rule != "script":  # any module: only a likely source is worth a warning
                    scan.outside.append(path)
            elif kind or rule:
                scan.candidates.append(candidate_for(path, kind or _kind(name), rule or "glob"))
            elif name.lower().endswith(".sql"):
                scan.other_sql.append(path)
            elif APP_FILES.fullmatch(name) and not _leads_outside(root, path):
                scan.app_files.append(path)
    return scan


def _sweep_rule(name: str, sweep_sql: bool, sweep_py: bool, alembic: bool) -> str | None:
    """Why the default discovery reads a file no glob matches, or None. Hand-written scripts in
    a Flask-Migrate folder (beside env.py, not in versions/) are read like named scripts."""
    lower = name.lower()
    if lower.endswith(".sql"):
        return "sweep" if sweep_sql else None
    if not sweep_py or not lower.endswith(".py"):
        return None
    if named_like_migration(name) or (alembic and name != "env.py"):
        return "name"
    stem = name[:-3]
    if NOT_SCRIPTS.fullmatch(name):
        return None
    if NOT_MIGRATION_WORDS.search(stem) and not CHANGE_WORDS.search(stem):
        return None
    return "script"


def _kind(name: str) -> str:
    return "sql" if name.lower().endswith(".sql") else "py"


def _leads_outside(root: Path, path: str) -> bool:
    """A symlink whose target lies outside the project: never a source, never read."""
    return os.path.islink(root / path) and inside(root, root / path) is None
