"""Verify a migrations folder: upgrade, downgrade and upgrade again on a scratch database.

The chain must build a schema, remove it completely, and build the same schema again; with a
reference, the built schema must equal it. Failed steps are reported, not raised; only
connection problems raise (DatabaseError).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from converter.core.diagnostics import Origin
from converter.core.errors import CheckFailed, DatabaseError, InputError
from converter.database.scratch import scratch_database
from converter.database.snapshot.diff import Difference, diff_snapshots, format_diff
from converter.database.snapshot.model import Snapshot
from converter.database.snapshot.read import read_snapshot
from converter.database.urls import connect, database_errors, describe_error

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine


def alembic_config(migrations_dir: Path, connection: Connection | None = None) -> Config:
    """The folder's Config, pointed at the folder, sharing `connection` with env.py."""
    from alembic.config import Config

    cfg = Config(str(migrations_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(migrations_dir).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def run_alembic(migrations_dir: Path, connection: Connection, command: str, *args: Any) -> None:
    """Run `alembic.command.<command>(cfg, *args)` on `connection`.

    A failing revision becomes CheckFailed naming the revision, its file:line and the first
    line of the error; a lost connection becomes DatabaseError.
    """
    from alembic import command as commands
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    migrations_dir = Path(migrations_dir)
    cfg = alembic_config(migrations_dir, connection)
    run: Callable[..., Any] = getattr(commands, command)
    try:
        run(cfg, *args)
    except CommandError as exc:
        raise CheckFailed(f"alembic {command}: {exc}") from None
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseError(f"lost the database connection: {describe_error(exc)}") from None
        raise _revision_failure(cfg, migrations_dir, command, exc) from None
    except Exception as exc:  # noqa: BLE001 - a revision may raise anything
        raise _revision_failure(cfg, migrations_dir, command, exc) from None


def _revision_failure(
    cfg: Config, migrations_dir: Path, command: str, exc: BaseException
) -> CheckFailed:
    """CheckFailed located at the last line of the migrations folder the error passed through."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if _within(Path(f.filename), migrations_dir)
    ]
    error = describe_error(exc) if hasattr(exc, "orig") else _first_line(exc)
    if not frames:
        return CheckFailed(f"alembic {command} failed: {error}")
    frame = frames[-1]
    revision = _revision_of(cfg, Path(frame.filename))
    where = Origin(_display_path(Path(frame.filename), migrations_dir), frame.lineno or 0)
    subject = f"revision {revision}" if revision else Path(frame.filename).name
    return CheckFailed(f"{command} failed in {subject}: {error}", where)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def _within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def _display_path(path: Path, migrations_dir: Path) -> str:
    base = migrations_dir.resolve().parent
    return path.resolve().relative_to(base).as_posix()


def _revision_of(cfg: Config, path: Path) -> str | None:
    """The id of the revision defined in `path`, if it is one."""
    from alembic.script import ScriptDirectory

    try:
        scripts = ScriptDirectory.from_config(cfg)
        for script in scripts.walk_revisions():
            if Path(script.path).resolve() == path.resolve():
                return script.revision
    except Exception:  # noqa: BLE001 - the chain itself is broken; the file name will do
        return None
    return None


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class VerifyResult:
    ok: bool
    steps: list[StepResult] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    def format(self) -> str:
        """A readable report: one line per step, then the differences from the reference."""
        lines = [f"verify: {'ok' if self.ok else 'FAILED'}"]
        for step in self.steps:
            mark = "ok  " if step.ok else "FAIL"
            first, *more = step.detail.splitlines() or [""]
            lines.append(f"  {mark} {step.name}" + (f": {first}" if first else ""))
            lines += [f"       {line}" for line in more]
        if self.differences:
            lines.append("differences from the reference (expected != actual):")
            lines += [f"  {line}" for line in format_diff(self.differences).splitlines()]
        return "\n".join(lines)


class _Steps:
    """Collects step results."""

    def __init__(self) -> None:
        self.steps: list[StepResult] = []

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.steps.append(StepResult(name, ok, detail))
        return ok


def verify(
    migrations_dir: Path,
    dialect: str,
    reference: Snapshot | None,
    *,
    scratch_url: str | None = None,
    server_url: str | None = None,
) -> VerifyResult:
    """Upgrade head, downgrade base, upgrade head again on a scratch database of `dialect`;
    the two upgrades must give the same schema, the downgrade an empty one, and the schema
    must equal `reference` when one is given."""
    migrations_dir = Path(migrations_dir)
    if not (migrations_dir / "env.py").is_file():
        raise InputError(f"{migrations_dir}: not a migrations folder (no env.py)")
    steps = _Steps()
    differences: list[Difference] = []
    with scratch_database(dialect, scratch_url=scratch_url, server_url=server_url) as url:
        engine = connect(url)
        try:
            with database_errors(url, "lost the scratch database"):
                differences = _run_steps(engine, migrations_dir, reference, steps)
        finally:
            engine.dispose()
    ok = all(s.ok for s in steps.steps) and not differences
    return VerifyResult(ok, steps.steps, differences)


def _run_steps(
    engine: Engine, migrations_dir: Path, reference: Snapshot | None, steps: _Steps
) -> list[Difference]:
    before = _snapshot(engine)
    built = _upgrade(engine, migrations_dir, steps, "upgrade head")
    if built is None:
        return []
    if _downgrade(engine, migrations_dir, before, steps):
        rebuilt = _upgrade(engine, migrations_dir, steps, "upgrade head again")
        if rebuilt is not None:
            round_trip = diff_snapshots(built, rebuilt)
            steps.add(
                "same schema after the round trip",
                not round_trip,
                f"{len(round_trip)} difference(s) between the two upgrades:\n"
                + format_diff(round_trip)
                if round_trip
                else "",
            )
    if reference is None:
        return []
    differences = diff_snapshots(reference, built)
    steps.add(
        "matches the reference",
        not differences,
        f"{len(differences)} difference(s), listed below" if differences else "",
    )
    return differences


def _snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as conn:
        return read_snapshot(conn)


def _alembic_step(
    engine: Engine, migrations_dir: Path, steps: _Steps, name: str, command: str, target: str
) -> bool:
    """Run one Alembic command in its own transaction; a failure is recorded as a step."""
    try:
        with engine.connect() as conn:
            run_alembic(migrations_dir, conn, command, target)
            conn.commit()
    except CheckFailed as exc:
        return steps.add(name, False, str(exc))
    return True


def _upgrade(engine: Engine, migrations_dir: Path, steps: _Steps, name: str) -> Snapshot | None:
    if not _alembic_step(engine, migrations_dir, steps, name, "upgrade", "head"):
        return None
    snapshot = _snapshot(engine)
    steps.add(name, True, f"{len(snapshot.tables)} table(s)")
    return snapshot


def _downgrade(engine: Engine, migrations_dir: Path, before: Snapshot, steps: _Steps) -> bool:
    """Downgrade to base; only what existed before the first upgrade may remain."""
    name = "downgrade base"
    if not _alembic_step(engine, migrations_dir, steps, name, "downgrade", "base"):
        return False
    after = _snapshot(engine)
    left = [f"table {t}" for t in sorted(set(after.table_names) - set(before.table_names))]
    left += [f"enum type {e.name}" for e in after.enums if e not in before.enums]
    return steps.add(name, not left, f"left behind: {', '.join(left)}" if left else "")
