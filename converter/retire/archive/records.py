"""What earlier runs recorded: the sources each revision was converted from, and the manifest.

Revision files are read with `ast`, never imported; a source is archived only if its sha256 still
equals the one its revision recorded, and the manifest says what an earlier archive run moved.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from converter.core.diagnostics import Origin
from converter.core.errors import InputError

MANIFEST = "MANIFEST.json"


@dataclass(frozen=True)
class Converted:
    """One legacy source as a revision recorded it at conversion time."""

    path: str
    sha256: str
    revision: str
    revision_file: str
    # An application file whose start-up code was converted (`startup_sources`): live code,
    # never archived.
    startup: bool = False


def converted_sources(migrations: Path) -> list[Converted]:
    """Every (path, sha256) of the `legacy_sources` of the revisions in `migrations/versions`,
    read with `ast` (revision files are never imported). Revisions without it are skipped."""
    by_revision: dict[str, tuple[Any, list[Converted]]] = {}
    for file in sorted((migrations / "versions").glob("*.py")):
        revision, down, records = _recorded_in(file)
        if isinstance(revision, str):
            by_revision[revision] = (down, records)
    return [record for rev in _chain_order(by_revision) for record in by_revision[rev][1]]


def _chain_order(by_revision: dict[str, tuple[Any, list[Converted]]]) -> list[str]:
    """Revision ids oldest first, following down_revision (file order breaks ties)."""
    children: dict[Any, list[str]] = {}
    for rev, (down, _) in by_revision.items():
        children.setdefault(down if down in by_revision else None, []).append(rev)
    ordered: list[str] = []
    pending = list(reversed(children.get(None, [])))
    while pending:
        rev = pending.pop()
        if rev not in ordered:
            ordered.append(rev)
            pending.extend(reversed(children.get(rev, [])))
    return ordered + [rev for rev in by_revision if rev not in ordered]


def _recorded_in(file: Path) -> tuple[Any, Any, list[Converted]]:
    """(revision, down_revision, recorded sources) of one revision file."""
    try:
        tree = ast.parse(file.read_bytes(), filename=str(file))
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cannot read this revision: {exc}", Origin(str(file))) from None
    values = _module_constants(
        tree, ("revision", "down_revision", "legacy_sources", "startup_sources")
    )
    revision = values.get("revision", (0, None))[1]
    down = values.get("down_revision", (0, None))[1]
    if "legacy_sources" not in values:
        return revision, down, []
    line, pairs = values["legacy_sources"]
    if not _is_pairs(pairs) or not isinstance(revision, str):
        raise InputError(
            "legacy_sources must be a tuple of (path, sha256) pairs next to a string `revision`",
            Origin(str(file), line),
        )
    outside = [path for path, _ in pairs if not is_relative_inside(path)]
    if outside:
        raise InputError(
            f"legacy_sources names paths outside the project ({', '.join(outside)}); "
            "archive moves nothing outside it",
            Origin(str(file), line),
        )
    startup = _startup_paths(values, file)
    return (
        revision,
        down,
        [Converted(path, sha, revision, str(file), path in startup) for path, sha in pairs],
    )


def _startup_paths(values: dict[str, tuple[int, Any]], file: Path) -> set[str]:
    """The application files among the sources (`startup_sources`); none when absent."""
    line, paths = values.get("startup_sources", (0, ()))
    if not isinstance(paths, tuple) or not all(isinstance(p, str) for p in paths):
        raise InputError("startup_sources must be a tuple of paths", Origin(str(file), line))
    return set(paths)


def _module_constants(tree: ast.Module, names: tuple[str, ...]) -> dict[str, tuple[int, Any]]:
    """name -> (line, literal value) of module-level `name = <literal>` assignments."""
    values: dict[str, tuple[int, Any]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name) and target.id in names:
                try:
                    values[target.id] = (stmt.lineno, ast.literal_eval(stmt.value))
                except ValueError:
                    values[target.id] = (stmt.lineno, None)
    return values


def _is_pairs(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in value
    )


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest; an empty one when the folder was never used."""
    path = archive / MANIFEST
    if not path.is_file():
        return {"files": [], "left_in_place": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the archive manifest: {exc}", Origin(str(path))) from None
    data = data if isinstance(data, dict) else {}
    data.setdefault("left_in_place", [])
    if not (
        _entries(data.get("files"), ("path", "archived_as", "sha256"))
        and _entries(data["left_in_place"], ("path", "sha256"))
    ):
        raise InputError("not a legacy2alembic archive manifest", Origin(str(path)))
    outside = [
        entry[key]
        for entry in data["files"] + data["left_in_place"]
        for key in ("path", "archived_as")
        if key in entry and not is_relative_inside(entry[key])
    ]
    if outside:
        raise InputError(
            f"the manifest names paths outside the project ({', '.join(outside)}); refusing it",
            Origin(str(path)),
        )
    return data


def _entries(value: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(value, list) and all(
        isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in keys)
        for entry in value
    )


def is_relative_inside(rel: str) -> bool:
    """`rel` is a relative path that cannot climb out of the folder it is joined to."""
    pure = PurePosixPath(rel.replace("\\", "/"))
    return bool(pure.parts) and not pure.is_absolute() and ".." not in pure.parts


def resolves_inside(root: Path, rel: str) -> bool:
    """`rel` is relative and `root / rel`, symlinks resolved, stays inside `root` (a path that
    does not exist yet is judged by the folders that do)."""
    if not is_relative_inside(rel):
        return False
    try:
        return (root / rel).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
