"""Finishing or undoing an archive run that a kill interrupted, from the journal it left.

When every planned file is on one side or the other with its recorded sha256, the run is
finished: the rest moves, the records are written. Otherwise whatever moved goes back and the
records are restored. In a git work tree the index is brought in line with the files either way
(a kill inside `git mv` can leave them apart). The journal goes once the tree is consistent.
"""

from __future__ import annotations

import os
from pathlib import Path

from converter.retire.archive.execute import restore_records
from converter.retire.archive.git import run_git
from converter.retire.archive.journal import (
    JOURNAL,
    Journal,
    Planned,
    read_journal,
    remove_journal,
)
from converter.retire.archive.manifest import write_records
from converter.retire.archive.records import sha256_of


def resume(root: Path, dest: str) -> str | None:
    """Finish or undo the run a journal in `dest` describes; what was done, None: no journal."""
    journal = read_journal(root, dest)
    if journal is None:
        return None
    places = {move: _where(root, move) for move in journal.moves}
    if all(places.values()):
        moved = [m for m in journal.moves if places[m] == "path"]
        for move in journal.moves:
            _place(root, move, at_target=True)
        write_records(root, dest, journal.records, any(m.git for m in journal.moves))
        remove_journal(root, dest)
        return (
            f"Finished an interrupted archive run ({dest}/{JOURNAL}): moved the remaining "
            f"{len(moved)} of {len(journal.moves)} file(s)"
        )
    return _undo(root, journal, places)


def _where(root: Path, move: Planned) -> str | None:
    """ "path" or "target": the one side holding the file with its recorded content; None when
    it is on neither side, on both, or changed."""
    found = [
        side
        for side, rel in (("path", move.path), ("target", move.target))
        if os.path.lexists(root / rel)
    ]
    if len(found) != 1:
        return None
    rel = move.path if found[0] == "path" else move.target
    return found[0] if (root / rel).is_file() and sha256_of(root / rel) == move.sha256 else None


def _place(root: Path, move: Planned, *, at_target: bool) -> None:
    """Put the file on one side (it is on the other, or there already) and the index with it."""
    here, there = (move.target, move.path) if at_target else (move.path, move.target)
    if not os.path.lexists(root / here):
        (root / here).parent.mkdir(parents=True, exist_ok=True)
        os.rename(root / there, root / here)
    if move.git:
        run_git(root, "rm", "--cached", "-q", "--ignore-unmatch", "--", there)
        run_git(root, "add", "--", here)


def _undo(root: Path, journal: Journal, places: dict[Planned, str | None]) -> str:
    """Move back every file found in the archive with its recorded content, restore the
    records; files found on neither side (or changed) stay where they are, for the plan that
    follows to report."""
    for move, side in places.items():
        if side == "target":
            _place(root, move, at_target=False)
    restore_records(root, journal.dest, journal.saved)
    _remove_empty_folders(root, journal)
    remove_journal(root, journal.dest)
    if not journal.dest_existed:
        _rmdir_if_empty(root / journal.dest)
    moved = sum(1 for side in places.values() if side == "target")
    odd = [m.path for m, side in places.items() if side is None]
    return (
        f"Rolled back an interrupted archive run: moved {moved} file(s) back; not where its "
        f"journal says, with the content it recorded: {', '.join(odd)}"
    )


def _remove_empty_folders(root: Path, journal: Journal) -> None:
    """The folders the run made for its moves, deepest first, when empty."""
    folders = {
        parent
        for move in journal.moves
        for parent in (root / move.target).parents
        if parent.is_relative_to(root / journal.dest) and parent != root / journal.dest
    }
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _rmdir_if_empty(folder)


def _rmdir_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
