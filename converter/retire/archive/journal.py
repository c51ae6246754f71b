"""The intent journal: what an archive run is about to do, written before the first move.

A run killed midway (kill -9, a power cut, a signal) leaves the journal in the archive folder;
the next run reads it and finishes the moves or undoes them (`resume`). The journal is input
like any other file of the project: every path in it must stay inside the project.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from converter.core.diagnostics import Origin
from converter.core.errors import InputError
from converter.retire.archive.manifest import README, replace_text
from converter.retire.archive.records import MANIFEST, resolves_inside

JOURNAL = ".l2a-journal.json"


@dataclass(frozen=True)
class Planned:
    """One planned move, as the journal records it."""

    path: str
    target: str
    sha256: str
    git: bool


@dataclass(frozen=True)
class Journal:
    """The moves, the records to write once they are done (`records`) and the records as they
    were before (`saved`, None: absent), and whether the archive folder existed before."""

    dest: str
    moves: tuple[Planned, ...]
    records: dict[str, str]
    saved: dict[str, str | None]
    dest_existed: bool


def journal_path(root: Path, dest: str) -> Path:
    return root / dest / JOURNAL


def write_journal(root: Path, journal: Journal) -> None:
    """Write the journal atomically (a temporary file renamed over it)."""
    data = {**asdict(journal), "moves": [asdict(m) for m in journal.moves]}
    replace_text(journal_path(root, journal.dest), json.dumps(data, indent=2) + "\n")


def read_journal(root: Path, dest: str) -> Journal | None:
    """The journal a killed run left in `dest`, checked; None when there is none."""
    path = journal_path(root, dest)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        journal = _journal(data, dest)
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise InputError(
            f"cannot read the archive journal ({exc}); move it away to archive again",
            Origin(str(path)),
        ) from None
    outside = [p for m in journal.moves for p in (m.path, m.target) if not resolves_inside(root, p)]
    if outside:
        raise InputError(
            f"the archive journal names paths outside the project ({', '.join(outside)}); "
            "refusing it, nothing was moved",
            Origin(str(path)),
        )
    return journal


def _journal(data: Any, dest: str) -> Journal:
    moves = tuple(Planned(**m) for m in data["moves"])
    records, saved = data["records"], data["saved"]
    if not all(isinstance(m.path, str) and isinstance(m.target, str) for m in moves):
        raise ValueError("a move is not a pair of paths")
    if not (isinstance(records, dict) and isinstance(saved, dict)):
        raise ValueError("records are not a mapping")
    if set(records) != {MANIFEST, README} or set(saved) != {MANIFEST, README}:
        raise ValueError(f"records other than {MANIFEST} and {README}")
    return Journal(dest, moves, records, saved, bool(data["dest_existed"]))


def remove_journal(root: Path, dest: str) -> None:
    journal_path(root, dest).unlink(missing_ok=True)
