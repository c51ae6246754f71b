"""Planning the archive: every move checked before anything is touched.

A converted source whose content changed is refused; twins go with the source that carries them;
files a moved script reads stay in place and are recorded; no target may exist already. An
application file whose start-up code was converted is live code: it never moves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect, find_dialect
from converter.core.errors import CheckFailed, ConverterError, InputError
from converter.discover.discovery import Discovery, LegacySource, discover
from converter.render.scaffold import recorded_dialect
from converter.retire.archive.git import tracked_paths
from converter.retire.archive.records import (
    Converted,
    converted_sources,
    read_manifest,
    resolves_inside,
    sha256_of,
)
from converter.retire.twins import find_twins


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
    """Everything one archive run does: the moves, the files kept, and what it found."""

    root: Path
    dest: str
    moves: list[Move] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    not_converted: list[str] = field(default_factory=list)
    # Application files whose start-up code was converted: live code, never moved.
    startup: list[Converted] = field(default_factory=list)


def archive_folder(dest: str) -> str:
    """The archive folder as a clean relative posix path inside the project."""
    rel = PurePosixPath(dest.replace("\\", "/"))
    if rel.is_absolute() or not rel.parts or any(p in ("..", ".") for p in rel.parts):
        raise InputError(f"--dest {dest!r}: give a folder relative to the project, inside it")
    return str(rel)


def archive_dest(root: Path, dest: str, migrations: Path) -> str:
    rel = archive_folder(dest)
    if not resolves_inside(root, rel):
        raise InputError(
            f"--dest {dest!r} leads outside the project (through a symlink); nothing was archived"
        )
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
    recorded = _latest(converted_sources(migrations))
    if not recorded:
        raise InputError(
            f"{migrations}: no revision records legacy sources (legacy_sources); "
            "run legacy2alembic convert first"
        )
    plan = Plan(root, dest)
    _refuse_outside(root, list(recorded))
    converted = {path: r for path, r in recorded.items() if not r.startup}
    plan.startup = [r for r in recorded.values() if r.startup]
    archived = {entry["path"] for entry in read_manifest(root / dest)["files"]}
    _check_converted(plan, converted, archived)
    found = [s for s in discover_all(root, config, dest).sources if not s.startup]
    _add_twins(plan, found, converted, archived, chain_dialect(migrations, config))
    plan.kept = _read_by_scripts(root, config, plan)
    accounted = {m.path for m in plan.moves} | {k.path for k in plan.kept} | archived
    plan.not_converted = [s.path for s in found if s.path not in accounted | recorded.keys()]
    _refuse_existing_targets(root, plan)
    _refuse_outside(root, [p for m in plan.moves for p in (m.path, m.target)])
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


def _add_twins(
    plan: Plan,
    found: list[LegacySource],
    converted: dict[str, Converted],
    archived: set[str],
    dialect: Dialect | None,
) -> None:
    """A file convert left out because a converted source carries its change (a dialect twin, a
    script repeating a .sql file) goes with that source: retired together, no revision of its
    own. A file written only for another dialect than the chain's goes last."""
    left = [s for s in found if s.path not in archived]
    after: dict[str | None, list[Move]] = {}
    for twin in find_twins(plan.root, left, converted, dialect).values():
        move = Move(twin.path, f"{plan.dest}/{twin.path}", twin.sha256, None, twin.note)
        after.setdefault(twin.of, []).append(move)
    plan.moves = [m for move in plan.moves for m in (move, *after.pop(move.path, []))]
    plan.moves += [m for moves in after.values() for m in moves]


def chain_dialect(migrations: Path, config: Config) -> Dialect | None:
    """The dialect the chain was converted for: recorded in its folder, else the project's."""
    return recorded_dialect(migrations) or find_dialect(config.dialect or "")


def _read_by_scripts(root: Path, config: Config, plan: Plan) -> list[Kept]:
    """Files a moved script reads at run time (convert put their statements in its revision).
    They stay: other code may read them too."""
    moving = {m.path for m in plan.moves}
    readers = [(m.path, False) for m in plan.moves if m.revision is not None]
    readers += [(r.path, True) for r in plan.startup]
    kept: dict[str, Kept] = {}
    for reader, startup in readers:
        read = sorted(files_read_by(root, reader, config, startup=startup) - moving)
        _refuse_outside(root, read)
        for path in read:
            kept[path] = Kept(path, sha256_of(root / path), f"read by {reader}, converted with it")
    return list(kept.values())


def _refuse_outside(root: Path, paths: list[str]) -> None:
    """Every path archive reads, moves or records must stay inside the project, symlinks
    resolved: a revision file or a symlinked folder must not make it move files in or out."""
    outside = sorted({p for p in paths if not resolves_inside(root, p)})
    if outside:
        raise InputError(
            f"these paths lead outside the project {root} (absolute, '..' or a symlink): "
            f"{', '.join(outside)}; nothing was archived"
        )


def files_read_by(root: Path, script: str, config: Config, *, startup: bool = False) -> set[str]:
    """Project files whose statements a converted .py script runs (a .sql it reads); of an
    application file (`startup`), those its start-up code runs. Which files a script reads does
    not depend on the dialect; the project's, or sqlite, is passed on."""
    from converter.extract import extract

    if not script.endswith(".py") or not (root / script).is_file():
        return set()
    dialect = (find_dialect(config.dialect) if config.dialect else None) or Dialect.SQLITE
    try:
        items = extract(root / script, script, dialect, root, Diagnostics(), startup=startup)
    except ConverterError:
        return set()
    read = {item.origin.path for item in items} - {script}
    return {path for path in read if (root / path).is_file()}


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
