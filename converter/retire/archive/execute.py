"""Carrying out an archive plan: the journal, the moves, then the records.

Nothing is ever deleted or overwritten. A failure midway moves every file back and restores the
manifest and README. SIGTERM, SIGHUP and Ctrl-C stop the run between two files and leave the
journal, and so does kill -9 wherever it lands: the next run finishes or undoes it (`resume`).
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from converter.core.errors import ConverterError, InputError
from converter.core.signals import deferred
from converter.retire.archive.git import run_git
from converter.retire.archive.journal import (
    JOURNAL,
    Journal,
    Planned,
    remove_journal,
    write_journal,
)
from converter.retire.archive.manifest import record_texts, replace_text, write_records
from converter.retire.archive.plan import Move, Plan


class Interrupted(ConverterError):
    """A signal stopped the run between two moves; the journal says what is left."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.exit_code = 128 + signum


class _Mover:
    """Moves files, remembering each one so that a failure can put everything back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done: list[Move] = []
        self.folders: list[Path] = []

    def move(self, move: Move) -> None:
        self.make_folders(self.root / move.target)
        _move_file(self.root, move.path, move.target, move.git)
        self.done.append(move)

    def make_folders(self, target: Path) -> None:
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
        return stuck

    def remove_folders(self) -> None:
        for folder in reversed(self.folders):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _move_file(root: Path, source: str, target: str, git: bool) -> None:
    if os.path.lexists(root / target):
        raise InputError(f"{target} appeared meanwhile; refusing to overwrite it")
    if not git:
        shutil.move(str(root / source), str(root / target))
        return
    result = run_git(root, "mv", "--", source, target)
    if result is None or result.returncode != 0:
        detail = result.stderr.strip() if result else "git not found"
        raise InputError(f"git mv {source} {target} failed: {detail}")


def execute_plan(plan: Plan, after_move: Callable[[Move], None] | None = None) -> None:
    """Carry the plan out. `after_move` runs after each file (tests pause there to kill the run)."""
    journal = _journal(plan)
    mover = _Mover(plan.root)
    with deferred() as stopped:
        try:
            mover.make_folders(plan.root / plan.dest / JOURNAL)
            write_journal(plan.root, journal)
            for move in plan.moves:
                _stop_if(stopped(), plan, len(mover.done))
                mover.move(move)
                if after_move is not None:
                    after_move(move)
            write_records(plan.root, plan.dest, journal.records, any(m.git for m in plan.moves))
            remove_journal(plan.root, plan.dest)
        except Interrupted:
            raise
        except BaseException as exc:  # a failure or Ctrl-C inside git: never leave half done
            _roll_back(plan, mover, journal.saved, exc)


def _journal(plan: Plan) -> Journal:
    folder = plan.root / plan.dest
    texts = record_texts(plan)
    saved = {
        name: (folder / name).read_text(encoding="utf-8") if (folder / name).is_file() else None
        for name in texts
    }
    moves = tuple(Planned(m.path, m.target, m.sha256, m.git) for m in plan.moves)
    return Journal(plan.dest, moves, texts, saved, folder.is_dir())


def _stop_if(signum: int | None, plan: Plan, done: int) -> None:
    if signum is None:
        return
    raise Interrupted(
        f"interrupted by {signal.Signals(signum).name} after moving {done} of "
        f"{len(plan.moves)} file(s); {plan.dest}/{JOURNAL} lists the moves: run archive "
        "again to finish them",
        signum,
    )


def _roll_back(plan: Plan, mover: _Mover, saved: dict[str, str | None], exc: BaseException) -> None:
    restore_records(plan.root, plan.dest, saved)
    stuck = mover.undo()
    if not stuck:
        remove_journal(plan.root, plan.dest)
    mover.remove_folders()
    if not isinstance(exc, (OSError, ConverterError)):
        raise exc
    back = (
        f"moved back {len(mover.done) - len(stuck)} file(s)"
        if not stuck
        else f"could not move back: {', '.join(stuck)} ({plan.dest}/{JOURNAL} lists them)"
    )
    raise InputError(f"archiving failed ({exc}); {back}") from None


def restore_records(root: Path, dest: str, saved: dict[str, str | None]) -> None:
    """Put the manifest and README back as they were before the run."""
    for name, text in saved.items():
        path = root / dest / name
        if text is not None:
            replace_text(path, text)
        elif path.is_file():
            path.unlink()
