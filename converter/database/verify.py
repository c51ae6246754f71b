"""Verify a migrations folder: upgrade, downgrade and upgrade again on a scratch database.

The chain must build a schema, remove it completely, and build the same schema again; with a
reference, the built schema must equal it. Failed steps are reported, not raised; connection
problems raise (DatabaseError), and so do bugs in the generated code (see alembic_chain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from converter.core import progress
from converter.core.dialects import Dialect
from converter.core.errors import InputError, MigrationFailed
from converter.database.alembic_chain import downgrade, upgrade
from converter.database.scratch import scratch_database
from converter.database.snapshot.diff import Difference, diff_snapshots, format_diff
from converter.database.snapshot.model import Snapshot
from converter.database.snapshot.read import read_snapshot
from converter.database.urls import connect, database_errors

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class VerifyResult:
    """`not_compared`: kinds of object the reference cannot describe (models have no views)."""

    ok: bool
    steps: list[StepResult] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    not_compared: tuple[str, ...] = ()

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
        if self.not_compared:
            lines.append(
                f"not compared with the reference (it cannot describe them): "
                f"{', '.join(k + 's' for k in self.not_compared)}"
            )
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
    dialect: Dialect,
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
            with (
                database_errors(url, "lost the scratch database"),
                progress.task("verify", 3),
            ):
                differences = _run_steps(engine, migrations_dir, reference, steps)
        finally:
            engine.dispose()
    ok = all(s.ok for s in steps.steps) and not differences
    not_compared = tuple(sorted(reference.unmodelled)) if reference is not None else ()
    return VerifyResult(ok, steps.steps, differences, not_compared)


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
    engine: Engine,
    migrations_dir: Path,
    steps: _Steps,
    name: str,
    run: Callable[[Path, Connection], None],
) -> bool:
    """Run one Alembic command in its own transaction; a failure is recorded as a step."""
    progress.step(name)
    try:
        with engine.connect() as conn:
            run(migrations_dir, conn)
            conn.commit()
    except MigrationFailed as exc:
        return steps.add(name, False, str(exc))
    return True


def _upgrade(engine: Engine, migrations_dir: Path, steps: _Steps, name: str) -> Snapshot | None:
    if not _alembic_step(engine, migrations_dir, steps, name, upgrade):
        return None
    snapshot = _snapshot(engine)
    steps.add(name, True, f"{len(snapshot.tables)} table(s)")
    return snapshot


def _downgrade(engine: Engine, migrations_dir: Path, before: Snapshot, steps: _Steps) -> bool:
    """Downgrade to base; only what existed before the first upgrade may remain."""
    name = "downgrade base"
    if not _alembic_step(engine, migrations_dir, steps, name, downgrade):
        return False
    after = _snapshot(engine)
    left = [f"table {t}" for t in sorted(set(after.table_names) - set(before.table_names))]
    left += [f"enum type {e.name}" for e in after.enums if e not in before.enums]
    left += [f"view {v.name}" for v in after.views if v not in before.views]
    left += [f"trigger {t.name} on {t.table}" for t in after.triggers if t not in before.triggers]
    left += [f"sequence {q.name}" for q in after.sequences if q not in before.sequences]
    left += [f"function {f.signature}" for f in after.functions if f not in before.functions]
    return steps.add(name, not left, f"left behind: {', '.join(left)}" if left else "")
