"""`archive`: move the converted legacy sources into the archive folder, with a manifest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import click

from converter.core.config import project_settings
from converter.core.errors import InputError
from converter.retire.archive.execute import execute_plan
from converter.retire.archive.journal import JOURNAL, journal_path
from converter.retire.archive.manifest import README
from converter.retire.archive.plan import Move, Plan, archive_dest, plan_archive
from converter.retire.archive.records import MANIFEST
from converter.retire.archive.resume import resume


def run_archive(
    project: Path,
    *,
    dest: str,
    migrations: Path | None,
    dry_run: bool,
    as_json: bool = False,
    after_move: Callable[[Move], None] | None = None,
) -> None:
    """Finish or undo a run a kill interrupted, then plan, move and report.

    `after_move` runs after each moved file (a hook for tests that interrupt a run)."""
    root, config = project_settings(project)
    folder = (migrations or root / "migrations").resolve()
    rel = archive_dest(root, dest, folder)
    if dry_run and journal_path(root, rel).is_file():
        raise InputError(
            f"an interrupted archive run left {rel}/{JOURNAL}: run archive without --dry-run "
            "to finish it (or to undo it, when its files are not where it says)"
        )
    resumed = None if dry_run else resume(root, rel)
    if resumed:
        click.echo(resumed)
    plan = plan_archive(root, config, rel, folder)
    if plan.moves and not dry_run:
        execute_plan(plan, after_move)
    if as_json:
        from converter.commands.documents import archive_document, emit

        emit(archive_document(plan, dry_run))
    else:
        click.echo("\n".join(_report(plan, dry_run)))


def _report(plan: Plan, dry_run: bool) -> Iterator[str]:
    verb = "Would archive" if dry_run else "Archived"
    if plan.moves:
        yield f"{verb} {len(plan.moves)} file(s) into {plan.dest}/:"
        for move in plan.moves:
            how = "git mv" if move.git else "move"
            about = f"revision {move.revision}" if move.revision else move.note
            yield f"  {how} {move.path} -> {move.target}  ({about})"
        yield (
            f"{'Would write' if dry_run else 'Wrote'} {plan.dest}/{MANIFEST} and "
            f"{plan.dest}/{README}"
            + (
                ""
                if dry_run or not any(m.git for m in plan.moves)
                else " (staged; commit when ready)"
            )
        )
    else:
        yield f"Nothing to archive: every converted legacy source is already in {plan.dest}/"
    if plan.already:
        yield f"Already archived: {len(plan.already)} file(s)"
    for kept in plan.kept:
        yield (
            f"Left in place: {kept.path} ({kept.reason}); it may stay, or move it yourself "
            "once nothing else reads it"
        )
    for record in plan.startup:
        yield (
            f"Left in place: {record.path} (application code; its start-up DDL was converted "
            f"into revision {record.revision}: remove that code from the app)"
        )
    for path in plan.not_converted:
        yield (
            f"Not converted, left in place: {path} (no revision records it; convert it or "
            "move it yourself: legacy2alembic check reports it)"
        )
    if not dry_run and plan.moves:
        yield f"Next: legacy2alembic check {plan.root} --dest {plan.dest}  (in CI / pre-commit)"
