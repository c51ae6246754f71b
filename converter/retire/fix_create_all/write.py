"""Writing planned fixes: each file replaced atomically, its original kept, all put back on failure.

The original stays in git when the file is committed and unmodified, else in `FILE.bak`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from converter.core.errors import InputError
from converter.render.write import write_exclusive
from converter.retire.fix_create_all.plan import FixPlan
from converter.retire.fix_create_all.source import FileFix

BACKUP_SUFFIX = ".bak"


def write_fixes(root: Path, plan: FixPlan) -> list[str]:
    """Replace each planned file atomically, keeping its original (git or FILE.bak); all
    checks first, and files already replaced are put back if a later one fails."""
    from converter.retire.archive.git import is_unmodified_in_git

    backups = {
        fix.source.path: not is_unmodified_in_git(root, fix.source.path) for fix in plan.files
    }
    for fix in plan.files:
        _check_unchanged(root, fix)
        bak = root / (fix.source.path + BACKUP_SUFFIX)
        if backups[fix.source.path] and os.path.lexists(bak):
            raise InputError(f"{bak} exists; refusing to overwrite it (nothing was written)")
    done: list[FileFix] = []
    copies: list[Path] = []
    try:
        for fix in plan.files:
            if backups[fix.source.path]:
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
    return [_kept_where(fix.source.path, backups[fix.source.path]) for fix in plan.files]


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


def _kept_where(path: str, backup: bool) -> str:
    if backup:
        return f"wrote {path} (the original is {path}{BACKUP_SUFFIX})"
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
