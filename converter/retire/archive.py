"""Archive the converted legacy sources: move them out of the way with a checksummed manifest.

After conversion the revision chain is the one source of truth; the legacy scripts move into an
archive folder (relative paths kept) so that nobody runs or edits them by mistake. Each revision
written by convert names its sources with their sha256 (`legacy_sources`); a source whose content
changed since then is refused, because the revision no longer describes it. Everything is checked
before anything moves; moves use `git mv` for tracked files in a git work tree, so history
follows them; nothing is ever deleted or overwritten, and a failure midway moves everything back.
"""

from __future__ import annotations

import ast
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Origin
from converter.core.errors import CheckFailed, ConverterError, InputError
from converter.discover.sources.discovery import Discovery, LegacySource, discover
from converter.discover.sources.names import normalize_dialect

MANIFEST = "MANIFEST.json"
README = "README.md"
# The reproducible-builds convention: seconds since the epoch, fixes the archiving date.
DATE_VARIABLE = "SOURCE_DATE_EPOCH"


# ---- what convert recorded ---------------------------------------------------------------------


@dataclass(frozen=True)
class Converted:
    """One legacy source as a revision recorded it at conversion time."""

    path: str
    sha256: str
    revision: str
    revision_file: str


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
    values = _module_constants(tree, ("revision", "down_revision", "legacy_sources"))
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
    return revision, down, [Converted(path, sha, revision, str(file)) for path, sha in pairs]


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


# ---- the manifest ------------------------------------------------------------------------------


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
    return data


def _entries(value: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(value, list) and all(
        isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in keys)
        for entry in value
    )


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def archive_date() -> str:
    """Today (UTC), or the date given by SOURCE_DATE_EPOCH for reproducible output."""
    epoch = os.environ.get(DATE_VARIABLE)
    if epoch:
        try:
            moment = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"{DATE_VARIABLE}={epoch!r} is not a number of seconds") from None
        return moment.date().isoformat()
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("legacy2alembic")
    except PackageNotFoundError:
        return "unknown"


# ---- git ---------------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except OSError:
        return None


def tracked_paths(root: Path, paths: list[str]) -> set[str]:
    """Those of `paths` (relative to root) that git tracks; none outside a git work tree."""
    if not paths:
        return set()
    result = _git(
        root, "--literal-pathspecs", "-c", "core.quotepath=off", "ls-files", "-z", "--", *paths
    )
    if result is None or result.returncode != 0:
        return set()
    return set(result.stdout.split("\0")) & set(paths)


def is_unmodified_in_git(root: Path, rel: str) -> bool:
    """Tracked, and the working file equals the committed one: git can give it back."""
    if rel not in tracked_paths(root, [rel]):
        return False
    result = _git(root, "diff", "--quiet", "HEAD", "--", rel)
    return result is not None and result.returncode == 0


# ---- planning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One file to archive. `revision` is None for a twin that was not converted itself."""

    path: str
    target: str
    sha256: str
    revision: str | None
    note: str = ""
    git: bool = False


@dataclass(frozen=True)
class Kept:
    """A file left where it is, recorded so that `check` knows it."""

    path: str
    sha256: str
    reason: str


@dataclass
class Plan:
    root: Path
    dest: str
    moves: list[Move] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    not_converted: list[str] = field(default_factory=list)


def archive_folder(dest: str) -> str:
    """The archive folder as a clean relative posix path inside the project."""
    rel = PurePosixPath(dest.replace("\\", "/"))
    if rel.is_absolute() or not rel.parts or any(p in ("..", ".") for p in rel.parts):
        raise InputError(f"--dest {dest!r}: give a folder relative to the project, inside it")
    return str(rel)


def archive_dest(root: Path, dest: str, migrations: Path) -> str:
    rel = archive_folder(dest)
    target = (root / rel).resolve()
    if (
        target == migrations
        or target.is_relative_to(migrations)
        or migrations.is_relative_to(target)
    ):
        raise InputError(f"--dest {dest!r}: the archive cannot share the migrations folder")
    return rel


def plan_archive(root: Path, config: Config, dest: str, migrations: Path) -> Plan:
    """Everything archive would do, checked; raises before anything is touched."""
    converted = _latest(converted_sources(migrations))
    if not converted:
        raise InputError(
            f"{migrations}: no revision records legacy sources (legacy_sources); "
            "run legacy2alembic convert first"
        )
    plan = Plan(root, dest)
    archived = {entry["path"] for entry in read_manifest(root / dest)["files"]}
    _check_converted(plan, converted, archived)
    found = list(discover_all(root, config, dest).sources)
    _add_twins(plan, found, converted, archived)
    plan.kept = _read_by_scripts(root, config, plan)
    moving = {m.path for m in plan.moves}
    plan.not_converted = [
        s.path
        for s in found
        if s.path not in moving and s.path not in converted and s.path not in archived
    ]
    _refuse_existing_targets(root, plan)
    tracked = tracked_paths(root, [m.path for m in plan.moves])
    plan.moves = [replace(m, git=m.path in tracked) for m in plan.moves]
    return plan


def _latest(records: list[Converted]) -> dict[str, Converted]:
    """path -> record; a path recorded twice keeps the record of the last revision file."""
    return {record.path: record for record in records}


def _check_converted(plan: Plan, converted: dict[str, Converted], archived: set[str]) -> None:
    changed: list[str] = []
    missing: list[str] = []
    for path, record in converted.items():
        file = plan.root / path
        if not file.is_file():
            (plan.already if path in archived else missing).append(path)
            continue
        digest = sha256_of(file)
        if digest != record.sha256:
            changed.append(
                f"  {path}: sha256 {digest[:12]}..., revision {record.revision} "
                f"was converted from {record.sha256[:12]}..."
            )
            continue
        plan.moves.append(Move(path, f"{plan.dest}/{path}", digest, record.revision))
    if changed:
        raise CheckFailed(
            "these legacy sources changed since they were converted; re-run "
            "convert (or restore them), nothing was archived:\n" + "\n".join(changed)
        )
    if missing:
        raise InputError(
            "these converted legacy sources are neither in place nor in the "
            f"archive: {', '.join(missing)}; nothing was archived"
        )


def discover_all(root: Path, config: Config, dest: str) -> Discovery:
    """Every file the legacy globs match outside the archive, all dialect twins included (the
    order file is not used: it may list archived files)."""
    settings = replace(config, dialect=None, order=None, exclude=(*config.exclude, dest))
    return discover(root, settings, Diagnostics())


def _twin_base(source: LegacySource) -> str:
    """The path without its dialect suffix (`002_x_mysql.sql` -> `002_x.sql`)."""
    pure = PurePosixPath(source.path)
    token = re.split(r"[._]", pure.stem)[-1]
    if source.dialect is None or normalize_dialect(token) != source.dialect:
        return source.path
    return str(pure.with_name(pure.stem[: -len(token) - 1] + pure.suffix))


def _add_twins(
    plan: Plan, found: list[LegacySource], converted: dict[str, Converted], archived: set[str]
) -> None:
    """A dialect twin of a converted source goes with it: the same change for another
    database, retired together with it (it has no revision of its own)."""
    bases = {_twin_base(s): s.path for s in found if s.path in converted}
    twins: dict[str, list[Move]] = {}
    for source in found:
        twin = bases.get(_twin_base(source))
        if twin and source.path not in converted and source.path not in archived:
            twins.setdefault(twin, []).append(
                Move(
                    source.path,
                    f"{plan.dest}/{source.path}",
                    source.sha256,
                    None,
                    f"{source.dialect or 'generic'} twin of {twin}; not converted itself",
                )
            )
    plan.moves = [m for move in plan.moves for m in (move, *twins.get(move.path, []))]


def _read_by_scripts(root: Path, config: Config, plan: Plan) -> list[Kept]:
    """Files a moved script reads at run time (convert put their statements in its revision).
    They stay: other code may read them too. Which files a script reads does not depend on the
    dialect; the project's, or sqlite, is passed to the extractor."""
    from converter.extract import extract

    moving = {m.path for m in plan.moves}
    dialect = normalize_dialect(config.dialect) if config.dialect else "sqlite"
    kept: dict[str, Kept] = {}
    for move in plan.moves:
        if move.revision is None or not move.path.endswith(".py"):
            continue
        try:
            items = extract(root / move.path, move.path, dialect, root, Diagnostics())
        except ConverterError:
            continue
        for path in sorted({item.origin.path for item in items} - {move.path} - moving):
            if (root / path).is_file():
                kept[path] = Kept(
                    path, sha256_of(root / path), f"read by {move.path}, converted with it"
                )
    return list(kept.values())


def _refuse_existing_targets(root: Path, plan: Plan) -> None:
    taken = [m.target for m in plan.moves if os.path.lexists(root / m.target)]
    if taken:
        raise InputError(
            f"refusing to overwrite {', '.join(taken)} in the archive; nothing was archived"
        )
    for move in plan.moves:
        for parent in PurePosixPath(move.target).parents:
            folder = root / parent
            if os.path.lexists(folder) and not folder.is_dir():
                raise InputError(f"{folder} is not a folder; nothing was archived")


# ---- moving ------------------------------------------------------------------------------------


class _Mover:
    """Moves files, remembering each one so that a failure can put everything back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done: list[Move] = []
        self.folders: list[Path] = []

    def move(self, move: Move) -> None:
        self._make_folders(self.root / move.target)
        _move_file(self.root, move.path, move.target, move.git)
        self.done.append(move)

    def _make_folders(self, target: Path) -> None:
        missing = [p for p in target.parents if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            self.folders.append(folder)

    def undo(self) -> list[str]:
        """Move back what was moved, newest first; the paths that could not be restored."""
        stuck: list[str] = []
        for move in reversed(self.done):
            try:
                _move_file(self.root, move.target, move.path, move.git)
            except (OSError, ConverterError):
                stuck.append(move.target)
        for folder in reversed(self.folders):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return stuck


def _move_file(root: Path, source: str, target: str, git: bool) -> None:
    if os.path.lexists(root / target):
        raise InputError(f"{target} appeared meanwhile; refusing to overwrite it")
    if not git:
        shutil.move(str(root / source), str(root / target))
        return
    result = _git(root, "mv", "--", source, target)
    if result is None or result.returncode != 0:
        detail = result.stderr.strip() if result else "git not found"
        raise InputError(f"git mv {source} {target} failed: {detail}")


def execute_plan(plan: Plan) -> None:
    mover = _Mover(plan.root)
    records = [plan.root / plan.dest / name for name in (MANIFEST, README)]
    saved = {path: path.read_bytes() if path.is_file() else None for path in records}
    try:
        for move in plan.moves:
            mover.move(move)
        _write_records(plan)
    except BaseException as exc:  # interrupted too: never leave half an archive behind
        _restore(saved)
        stuck = mover.undo()
        if not isinstance(exc, (OSError, ConverterError)):
            raise
        back = (
            f"moved back {len(mover.done) - len(stuck)} file(s)"
            if not stuck
            else f"could not move back: {', '.join(stuck)}"
        )
        raise InputError(f"archiving failed ({exc}); {back}") from None


def _restore(saved: dict[Path, bytes | None]) -> None:
    """Put the manifest and README back as they were before this run."""
    for path, data in saved.items():
        if data is not None:
            _replace_text(path, data.decode("utf-8"))
        elif path.is_file():
            path.unlink()


def _write_records(plan: Plan) -> None:
    """Write MANIFEST.json and README.md (old entries kept), and stage them in git."""
    archive = plan.root / plan.dest
    manifest = _updated_manifest(read_manifest(archive), plan)
    _replace_text(archive / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    _replace_text(archive / README, _readme(manifest))
    if any(m.git for m in plan.moves):
        _git(plan.root, "add", "--", f"{plan.dest}/{MANIFEST}", f"{plan.dest}/{README}")


def _updated_manifest(manifest: dict[str, Any], plan: Plan) -> dict[str, Any]:
    date, version = archive_date(), tool_version()
    files = list(manifest["files"]) + [
        {
            "path": m.path,
            "archived_as": m.target,
            "sha256": m.sha256,
            "revision": m.revision,
            "date": date,
            "tool_version": version,
            **({"note": m.note} if m.note else {}),
        }
        for m in plan.moves
    ]
    known = {entry["path"] for entry in manifest["left_in_place"]}
    kept = list(manifest["left_in_place"]) + [
        {"path": k.path, "sha256": k.sha256, "reason": k.reason}
        for k in plan.kept
        if k.path not in known
    ]
    return {
        "tool": "legacy2alembic",
        "tool_version": version,
        "archive": plan.dest,
        "files": files,
        "left_in_place": kept,
    }


def _replace_text(path: Path, text: str) -> None:
    """Write through a temporary file and an atomic rename (the file is the tool's own)."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


_README_INTRO = """\
These scripts built the database schema before the project moved to Alembic. Each one was
converted into a revision of the migrations folder (the revision's `legacy_sources` names it with
its sha256). Do not run them again and do not edit them: schema changes now go through
`flask db migrate` / `flask db upgrade`. `{}` records every file's sha256;
`legacy2alembic check` fails when one of them changes or a new legacy script appears."""


def _readme(manifest: dict[str, Any]) -> str:
    lines = [
        "# Archived legacy migrations",
        "",
        *_README_INTRO.format(MANIFEST).splitlines(),
        "",
        "| file (original path) | revision | archived on | sha256 |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{e['path']}` | {e['revision'] or '(' + e.get('note', 'not converted') + ')'} "
        f"| {e['date']} | `{e['sha256'][:16]}` |"
        for e in manifest["files"]
    ]
    if manifest["left_in_place"]:
        lines += ["", "Left in place (read by the scripts above, still where they were):", ""]
        lines += [f"- `{e['path']}`: {e['reason']}" for e in manifest["left_in_place"]]
    return "\n".join(lines) + "\n"
