"""Writing planned fixes: each file replaced atomically, its original kept, all put back on failure.

The original stays in git when the file is committed and unmodified; in a git work tree
otherwise (uncommitted changes, untracked) it is written into git's object store as a blob, so
that no stray `FILE.bak` lands in the tree; outside git it is kept in `FILE.bak`.
"""

from __future__ import annotations

import os
import secrets
import shlex
from pathlib import Path
from typing import Literal

from converter.core.errors import InputError
from converter.render.write import write_exclusive
from converter.retire.fix_create_all.plan import FixPlan
from converter.retire.fix_create_all.source import FileFix

BACKUP_SUFFIX = ".bak"

# Where the original of a file is kept: "git" (committed and unmodified), "blob" (written into
# git's object store), "bak" (FILE.bak beside it, outside git).
Keeping = Literal["git", "blob", "bak"]


def write_fixes(root: Path, plan: FixPlan) -> list[str]:
    """Replace each planned file atomically, keeping its original (git, a git blob or
    FILE.bak); all checks first, and files already replaced are put back if a later one fails."""
    keep = _keeping(root, plan)
    for fix in plan.files:
        _check_unchanged(root, fix)
        bak = root / (fix.source.path + BACKUP_SUFFIX)
        if keep[fix.source.path] == "bak" and os.path.lexists(bak):
            raise InputError(f"{bak} exists; refusing to overwrite it (nothing was written)")
    blobs = {f.source.path: _blob(root, f) for f in plan.files if keep[f.source.path] == "blob"}
    done: list[FileFix] = []
    copies: list[Path] = []
    try:
        for fix in plan.files:
            if keep[fix.source.path] == "bak":
                copy = root / (fix.source.path + BACKUP_SUFFIX)
                write_exclusive(copy, fix.source.data)
                copies.append(copy)
            _replace(root / fix.source.path, fix.new.encode(fix.source.encoding))
            done.append(fix)
    except BaseException as exc:  # interrupted too: the files go back to what they were
        _put_back(root, done, copies)
        if not isinstance(exc, (OSError, UnicodeError)):
            raise
        raise InputError(f"writing failed ({exc}); the files written were put back") from None
    return [_kept_where(f.source.path, keep[f.source.path], blobs) for f in plan.files]


def _keeping(root: Path, plan: FixPlan) -> dict[str, Keeping]:
    from converter.retire.archive.git import in_work_tree, is_unmodified_in_git

    work_tree = in_work_tree(root)
    found: dict[str, Keeping] = {}
    for fix in plan.files:
        path = fix.source.path
        found[path] = "git" if is_unmodified_in_git(root, path) else "blob" if work_tree else "bak"
    return found


def _blob(root: Path, fix: FileFix) -> str:
    """The original, byte for byte, written into git's object store (before any file is)."""
    from converter.retire.archive.git import store_blob

    blob = store_blob(root, fix.source.data)
    if blob is None:
        raise InputError(
            f"git could not keep the original of {fix.source.path} (`git hash-object -w` "
            "failed); nothing was written"
        )
    return blob


def _put_back(root: Path, done: list[FileFix], copies: list[Path]) -> None:
    """Restore the replaced files, then drop the backups made for them (equal to them now)."""
    for fix in reversed(done):
        _replace(root / fix.source.path, fix.source.data)
    for copy in copies:
        if copy.is_file():
            copy.unlink()


def _check_unchanged(root: Path, fix: FileFix) -> None:
    if (root / fix.source.path).read_bytes() != fix.source.data:
        raise InputError(
            f"{fix.source.path} changed while it was being read; run again (nothing was written)"
        )


def _kept_where(path: str, keep: Keeping, blobs: dict[str, str]) -> str:
    if keep == "bak":
        return f"wrote {path} (the original is {path}{BACKUP_SUFFIX})"
    if keep == "blob":
        blob = blobs[path]
        return (
            f"wrote {path} (the original, uncommitted, is kept in git as blob {blob}: restore "
            f"it with `git cat-file -p {blob} > {shlex.quote(path)}`)"
        )
    return (
        f"wrote {path} (the original is in git: `git diff -- {path}`, undo with "
        f"`git checkout -- {path}`)"
    )


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write_exclusive(temp, data)
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
