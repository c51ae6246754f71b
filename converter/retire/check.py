"""`check`: keep a converted project converted (for CI and pre-commit hooks).

Four things bring back a second source of truth next to the revision chain: a new legacy script
(`migrate_*.py`, a manual .sql file) outside the archive, an archived script edited after the fact,
DDL the application runs at start-up (converted or not, it must leave the app), and a
`db.create_all()` that runs outside tests. Each is reported at its `file:line`; any of them
fails the check (exit 1). A project that was never archived is checked all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.discover.discovery import Discovery, LegacySource
from converter.discover.startup import read_startup_ddl
from converter.retire.archive.plan import chain_dialect, discover_all, files_read_by
from converter.retire.archive.records import (
    Converted,
    converted_sources,
    read_manifest,
    sha256_of,
)
from converter.retire.twins import Twin, find_twins


@dataclass(frozen=True, order=True)
class Problem:
    """One violation; `code` is its stable diagnostic code (docs/diagnostics.md)."""

    origin: Origin
    message: str
    code: str = field(default="L2A520", compare=False)

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


def find_problems(root: Path, config: Config, dest: str) -> list[Problem]:
    """Every violation in the project at `root`, sorted by file and line."""
    manifest = read_manifest(root / dest)
    found = discover_all(root, config, dest)
    problems = [
        *_changed_archive(root, manifest),
        *_stray_sources(root, found, manifest, dest, config),
        *_create_all_outside_tests(root, config, dest),
    ]
    return sorted(problems)


def _changed_archive(root: Path, manifest: dict[str, Any]) -> list[Problem]:
    problems = []
    for entry in manifest["files"]:
        file = root / entry["archived_as"]
        origin = Origin(entry["archived_as"], 1)
        if not file.is_file():
            problems.append(
                Problem(
                    origin,
                    "archived file is missing (MANIFEST.json lists it); "
                    "restore it from version control",
                    "L2A521",
                )
            )
        elif sha256_of(file) != entry["sha256"]:
            problems.append(
                Problem(
                    origin,
                    "archived file changed since it was archived "
                    "(sha256 differs from MANIFEST.json); archived "
                    "scripts are history: restore it",
                    "L2A522",
                )
            )
    return problems


def _stray_sources(
    root: Path, found: Discovery, manifest: dict[str, Any], dest: str, config: Config
) -> list[Problem]:
    """Legacy-looking files outside the archive, except those archive left in place unchanged
    and those a converted script reads (converted with it)."""
    left = {entry["path"]: entry["sha256"] for entry in manifest["left_in_place"]}
    converted: dict[str, Converted] = {}
    dialect = None
    for folder in found.migrations_dirs:
        converted.update((c.path, c) for c in converted_sources(root / folder))
        dialect = dialect or chain_dialect(root / folder, config)
    read = set().union(
        *(files_read_by(root, c.path, config, startup=c.startup) for c in converted.values())
    )
    strays = [s for s in found.sources if left.get(s.path) != s.sha256 and s.path not in read]
    apps = [s for s in strays if s.startup]
    strays = [s for s in strays if not s.startup]
    twins = find_twins(root, strays, converted, dialect) if strays else {}
    return [
        *(
            Problem(Origin(source.path, 1), *_stray_message(source, converted, twins, dest))
            for source in strays
        ),
        *(problem for app in apps for problem in _startup_ddl(root, app, converted)),
    ]


def _startup_ddl(root: Path, app: LegacySource, converted: dict[str, Converted]) -> list[Problem]:
    """Each DDL statement an application still runs at start-up, or that creates schema in a
    request handler: converted (then it only has to go), or not (then it is a second source of
    truth still growing)."""
    record = converted.get(app.path)
    problems = []
    for ddl in read_startup_ddl(root, app.path):
        where = f"DDL in start-up code ({ddl.scope}) runs at every start-up"
        place = "the app"
        if ddl.lazy:
            where = (
                f"DDL in request handler {ddl.scope}() creates schema when the route is requested"
            )
            place = "the route"
        if record is not None:
            message = f"{where}; converted into revision {record.revision}: remove it from {place}"
            problems.append(Problem(ddl.origin, message, "L2A527"))
        else:
            message = (
                f"{where}, and no revision records it: run legacy2alembic convert (or put it "
                f"in a revision, flask db migrate), then remove it from {place}"
            )
            problems.append(Problem(ddl.origin, message, "L2A528"))
    return problems


def _stray_message(
    source: LegacySource, converted: dict[str, Converted], twins: dict[str, Twin], dest: str
) -> tuple[str, str]:
    """The message and the code of a legacy source outside the archive."""
    twin = twins.get(source.path)
    record = converted.get(source.path)
    if twin is not None:
        carrier = converted.get(twin.of) if twin.of else None
        why = (
            f"{twin.of} was converted into revision {carrier.revision}"
            if carrier
            else "history of another database"
        )
        return (
            f"{twin.note}; {why}: run legacy2alembic archive (--dest {dest}) to archive it",
            "L2A525",
        )
    if record is None:
        return (
            f"legacy schema script outside {dest}/: schema changes go into Alembic revisions "
            "now (flask db migrate); convert it, or archive it if it is history",
            "L2A523",
        )
    if record.sha256 != source.sha256:
        return (
            f"changed since it was converted into revision {record.revision}: restore "
            "it, or convert again",
            "L2A524",
        )
    return (
        f"converted into revision {record.revision} but not archived: "
        f"run legacy2alembic archive (--dest {dest})",
        "L2A525",
    )


def _create_all_outside_tests(root: Path, config: Config, dest: str) -> list[Problem]:
    from converter.retire.callsites import find_create_all_calls

    settings = config.merged(exclude=(*config.exclude, dest))
    diags = Diagnostics()
    problems = [
        Problem(
            site.origin,
            f"{site.call} runs outside tests ({site.scope} code): the "
            "Alembic revisions own the schema now; see legacy2alembic "
            "fix-create-all",
            "L2A526",
        )
        for site in find_create_all_calls(root, settings, diags)
        if not site.in_tests and not site.in_legacy
    ]
    return problems + _unreadable(diags)


def _unreadable(diags: Diagnostics) -> list[Problem]:
    """Files that may hold a create_all() call but could not be read, decoded or parsed: the
    check cannot vouch for them, so each is a problem (never a silent "ok")."""
    return [
        Problem(d.origin or Origin("?"), d.message) for d in diags.items if d.level is Level.WARNING
    ]
