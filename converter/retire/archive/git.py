"""The little git the archive needs: which files are tracked, and whether git can give one back.

Tracked files move with `git mv` so that their history follows them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run git in `root` with C messages; None when git is not installed."""
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except OSError:
        return None


def tracked_paths(root: Path, paths: list[str]) -> set[str]:
    """Those of `paths` (relative to root) that git tracks; none outside a git work tree."""
    if not paths:
        return set()
    result = run_git(
        root, "--literal-pathspecs", "-c", "core.quotepath=off", "ls-files", "-z", "--", *paths
    )
    if result is None or result.returncode != 0:
        return set()
    return set(result.stdout.split("\0")) & set(paths)


def is_unmodified_in_git(root: Path, rel: str) -> bool:
    """Tracked, and the working file equals the committed one: git can give it back."""
    if rel not in tracked_paths(root, [rel]):
        return False
    result = run_git(root, "diff", "--quiet", "HEAD", "--", rel)
    return result is not None and result.returncode == 0


def in_work_tree(root: Path) -> bool:
    """Whether `root` is inside a git work tree (False when git is missing or refuses it)."""
    result = run_git(root, "rev-parse", "--is-inside-work-tree")
    return result is not None and result.returncode == 0 and result.stdout.strip() == "true"


def store_blob(root: Path, data: bytes) -> str | None:
    """Write `data` into the repository's object store as a blob, byte for byte (no filters);
    its id, or None when git cannot. `git cat-file -p ID` gives the bytes back."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "hash-object", "-w", "--stdin"],
            input=data,
            capture_output=True,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except OSError:
        return None
    blob = result.stdout.decode("ascii", "replace").strip()
    return blob if result.returncode == 0 and blob else None
