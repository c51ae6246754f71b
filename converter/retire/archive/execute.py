"""Carrying out an archive plan: the moves, then the records, undone together on failure.

Nothing is ever deleted or overwritten; interrupted or failed midway, every moved file goes back
and the manifest and README are restored.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from converter.core.errors import ConverterError, InputError
from converter.retire.archive.git import run_git
from converter.retire.archive.manifest import README, replace_text, write_records
from converter.retire.archive.plan import Move, Plan
from converter.retire.archive.records import MANIFEST


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
    result = run_git(root, "mv", "--", source, target)
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
        write_records(plan)
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
            replace_text(path, data.decode("utf-8"))
        elif path.is_file():
            path.unlink()
