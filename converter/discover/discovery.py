"""The discover stage: a project's legacy sources in historical order, and what was left out.

It composes the walk, the Alembic folders, twin selection and ordering, then checksums each source.
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import InputError
from converter.core.files import read_project_file
from converter.discover.alembic_dirs import inside, migrations_dirs, outside_alembic
from converter.discover.classify import (
    Verdict,
    content_dialect,
    one_shot_verdict,
    script_verdict,
    sql_verdict,
)
from converter.discover.history import Added, git_first_added, in_git_work_tree
from converter.discover.names import Candidate, normalize_dialect
from converter.discover.order import history_order, order_file_placed
from converter.discover.scan import Scan, scan_tree
from converter.discover.startup import StartupDDL, read_startup_ddl
from converter.discover.twins import select_twins


@dataclass(frozen=True)
class LegacySource:
    """One legacy script. `reason` says why it sits at its position in the order."""

    path: str
    kind: str
    sha256: str
    reason: str
    added: str | None = None
    dialect: str | None = None
    # How the default discovery found it: "glob", "sweep" (a .sql elsewhere), "name" (a script
    # named like a migration), "script" (a one-shot script) or "startup" (an application file
    # whose start-up code runs DDL: only that code is the source, and the file is live code,
    # never archived). All but the first two are converted only when they run DDL, else left
    # out with why.
    found_by: str = "glob"

    @property
    def conditional(self) -> bool:
        return self.found_by in ("name", "script", "startup")

    @property
    def startup(self) -> bool:
        return self.found_by == "startup"


@dataclass(frozen=True)
class Discovery:
    """What a project holds: legacy sources in historical order, what was left out and why."""

    root: Path
    sources: tuple[LegacySource, ...]
    skipped: tuple[tuple[str, str], ...]
    migrations_dirs: tuple[str, ...]
    git: bool
    # Folders holding .sql files no sql-globs pattern matches (perhaps migrations: a hint).
    other_sql_dirs: tuple[str, ...] = ()


def _report_other_sql(
    scan: Scan, migrations: Sequence[str], found: int, diags: Diagnostics
) -> tuple[str, ...]:
    """SQL files in folders the globs do not cover may be migrations the user expects found:
    said in a diagnostic; their folders are returned."""
    folders: dict[str, int] = {}
    for path in scan.other_sql:
        if inside(path, migrations) is None:
            folder = path.rpartition("/")[0] or "."
            folders[folder] = folders.get(folder, 0) + 1
    if not folders:
        return ()
    listed = ", ".join(f"{f}/ ({n})" for f, n in sorted(folders.items())[:5])
    more = f" and {len(folders) - 5} more folder(s)" if len(folders) > 5 else ""
    message = (
        f".sql files no sql-globs pattern matches, so not read as legacy sources: "
        f"{listed}{more}. If they are schema migrations, add their folder to sql-globs "
        "in [tool.legacy2alembic] of pyproject.toml"
    )
    (diags.info if found else diags.warning)(None, message, code="L2A110")
    return tuple(sorted(folders))


def discover(
    root: Path,
    config: Config,
    diags: Diagnostics,
    *,
    dialect: str | None = None,
    order_file: Path | None = None,
) -> Discovery:
    """Legacy sources of the project at `root`, in historical order. An empty result is valid."""
    if not root.is_dir():
        reason = "is not a directory" if root.exists() else "does not exist"
        raise InputError(f"project directory {root} {reason}")
    scan = scan_tree(root, config)
    migrations = migrations_dirs(root, scan, diags)
    _warn_outside(root, scan, diags)
    candidates, skipped = outside_alembic(scan.candidates, migrations)
    candidates, left_out = _classified(root, candidates, diags)
    skipped += left_out
    chosen_dialect = dialect or config.dialect
    kept, twins = select_twins(
        candidates, normalize_dialect(chosen_dialect) if chosen_dialect else None, diags
    )
    skipped += twins
    git = in_git_work_tree(root, diags)
    history = git_first_added(root, diags) if git else None
    order = order_file or (root / config.order if config.order else None)
    if order is None:
        placed = history_order(kept, history, diags)
    else:
        placed = order_file_placed(order, root, kept, dict(skipped), history or {})
    for candidate, _, _ in placed:
        _check_name(candidate.path)
    sources = tuple(_source(root, *p) for p in placed)
    sources += _startup_sources(root, scan, migrations, {s.path for s in sources})
    other_sql = _report_other_sql(scan, migrations, len(sources), diags)
    return Discovery(root, sources, tuple(sorted(skipped)), migrations, git, other_sql)


def _classified(
    root: Path, candidates: list[Candidate], diags: Diagnostics
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """Read every candidate the default discovery found (and every .sql, for its dialect):
    keep the legacy migrations, say why each other file is left out."""
    kept: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    for candidate in candidates:
        if candidate.kind == "py" and candidate.rule == "glob":
            kept.append(candidate)
            continue
        text = _sniffed_text(root, candidate, diags)
        if text is None:
            if candidate.rule == "script":
                continue  # application code is not read closer than that
            if candidate.rule == "glob":
                kept.append(candidate)  # extract reports it, with file:line
            else:
                skipped.append((candidate.path, "cannot be read as UTF-8 text (warned)"))
            continue
        verdict = _verdict(root, candidate, text)
        if verdict is None:
            continue  # application code, not a script: not worth a line in scan
        if verdict.is_source:
            kept.append(_with_content_dialect(candidate, text))
        else:
            skipped.append((candidate.path, verdict.reason))
    return kept, skipped


def _verdict(root: Path, candidate: Candidate, text: str) -> Verdict | None:
    if candidate.rule == "script":
        return one_shot_verdict(candidate.path, text)
    if candidate.kind == "py":
        verdict = script_verdict(text)
        if verdict.kind == "no-ddl" and _imports_project(root, candidate.path, text):
            # Its helper may run the DDL: reading the script decides (parsed only then).
            return Verdict("migration", "named like a migration script; imports project code")
        return verdict
    return sql_verdict(candidate.path, text, in_legacy_folder=candidate.rule == "glob")


def _imports_project(root: Path, path: str, text: str) -> bool:
    """Whether the script imports a module of the project (beside it, or from the root)."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return False
    folders = {root / path.rpartition("/")[0], root}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            for folder in folders:
                target = folder.joinpath(*parts)
                if target.with_suffix(".py").is_file() or (target / "__init__.py").is_file():
                    return True
    return False


def _with_content_dialect(candidate: Candidate, text: str) -> Candidate:
    """A .sql file without a dialect in its name may still say it in its syntax (MySQL-only)."""
    if candidate.kind != "sql" or candidate.dialect is not None:
        return candidate
    found = content_dialect(text)
    return replace(candidate, dialect=found, dialect_from="content") if found else candidate


def _sniffed_text(root: Path, candidate: Candidate, diags: Diagnostics) -> str | None:
    """The file's text; None when it cannot be read. A file no glob names is only warned about
    (one bad file must not stop a big project); a glob match is left to extract, which stops."""
    try:
        data = read_project_file(root, candidate.path)
        return data.decode("utf-8")
    except (InputError, UnicodeDecodeError) as exc:
        if candidate.rule not in ("glob", "script"):
            diags.warning(
                Origin(candidate.path, _bad_line(root, candidate.path, exc)),
                f"{_why(exc)}: not read, not converted; save it as UTF-8 (or add it to "
                "sql-globs) if it is a migration",
                code="L2A113",
            )
        return None


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, InputError) else "not valid UTF-8"


def _bad_line(root: Path, path: str, exc: Exception) -> int:
    if not isinstance(exc, UnicodeDecodeError):
        return 0
    return read_project_file(root, path).count(b"\n", 0, exc.start) + 1


def _warn_outside(root: Path, scan: Scan, diags: Diagnostics) -> None:
    """Symlinks leading out of the project are listed, never read (their target may be secret)."""
    for path in scan.outside:
        target = os.readlink(root / path)
        diags.warning(
            Origin(path),
            f"symlink to {target}, outside the project: not read, not a legacy source",
            code="L2A112",
        )


def _check_name(path: str) -> None:
    """Source paths go into revision ids, file names and generated code: they must be text."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        message = "the file name is not valid UTF-8: rename the file"
        raise InputError(message, Origin(shown)) from None


def _startup_sources(
    root: Path, scan: Scan, migrations: Sequence[str], known: set[str]
) -> tuple[LegacySource, ...]:
    """Application files whose start-up code runs DDL, by path, after every other source: that
    code has run at every boot since it was written, so it holds the latest schema changes."""
    found = []
    for path in scan.app_files:
        if path in known or inside(path, migrations) is not None:
            continue
        ddl = read_startup_ddl(root, path)
        if ddl:
            _check_name(path)
            found.append(
                LegacySource(
                    path=path,
                    kind="py",
                    sha256=hashlib.sha256(read_project_file(root, path)).hexdigest(),
                    reason=_startup_reason(ddl),
                    found_by="startup",
                )
            )
    return tuple(sorted(found, key=lambda s: s.path))


def _startup_reason(ddl: list[StartupDDL]) -> str:
    """Why an application file is a source: DDL at start-up, schema its routes create lazily."""
    at_start = ", ".join(dict.fromkeys(d.scope for d in ddl if not d.lazy))
    handlers = list(dict.fromkeys(d.scope for d in ddl if d.lazy))
    shown = ", ".join(handlers[:3]) + (", ..." if len(handlers) > 3 else "")
    parts = [f"runs DDL at application start-up ({at_start})"] if at_start else []
    if handlers:
        parts.append(f"creates schema lazily in request handlers ({shown})")
    what = "that DDL" if not at_start else "its start-up code" if not handlers else "that code"
    return f"{' and '.join(parts)}: after every other source; only {what} is converted"


def _source(root: Path, candidate: Candidate, reason: str, added: Added | None) -> LegacySource:
    digest = hashlib.sha256(read_project_file(root, candidate.path)).hexdigest()
    return LegacySource(
        path=candidate.path,
        kind=candidate.kind,
        sha256=digest,
        reason=reason,
        added=added.date if added else None,
        dialect=candidate.dialect,
        found_by=candidate.rule,
    )
