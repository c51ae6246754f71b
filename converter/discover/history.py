"""When git first added each file: the primary evidence of the historical order.

One `git log` for the whole tree; renames keep the commit that added the file under its first name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from converter.core.diagnostics import Diagnostics


@dataclass(frozen=True)
class Added:
    rank: int
    commit: str
    date: str


_GIT_ENV = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, env=_GIT_ENV
        )
    except OSError:
        return None


def in_git_work_tree(root: Path, diags: Diagnostics) -> bool:
    """Whether root is in a git work tree git can read; says why not when git refused it
    (for example a repository owned by another user: `safe.directory`)."""
    result = _git(root, "rev-parse", "--show-toplevel")
    if result is None:
        diags.info(
            None, "git is not available: ordering legacy sources by prefix and name", code="L2A101"
        )
        return False
    error = result.stderr.decode(errors="replace").strip()
    if result.returncode != 0 and "not a git repository" not in error:
        diags.warning(
            None,
            f"git cannot read this work tree ({error}): ordering by prefix and name",
            code="L2A102",
        )
    return result.returncode == 0


def git_first_added(root: Path, diags: Diagnostics) -> dict[str, Added]:
    """Path (relative to root) -> the commit that first added it, from a single `git log`.

    Renames are followed through `--find-renames`: a file keeps the commit that added it under
    its first name. A file that was deleted and added again keeps its first addition. Rename
    detection reads blob contents; where blobs are missing (a partial or blobless clone, large
    files left out of a snapshot) the log is read again without it, and a warning says so.
    """
    result = _git_log(root, "--find-renames")
    if result is not None and result.returncode != 0:
        fallback = _git_log(root, "--no-renames")
        if fallback is not None and fallback.returncode == 0:
            diags.warning(
                None,
                f"git cannot detect renames ({_stderr(result)}): order from the commits that "
                "added each file under its current name; a renamed source may be placed late",
                code="L2A114",
            )
            result = fallback
    if result is None or result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip() if result else "git not found"
        diags.info(None, f"no git history ({detail}): ordering by prefix and name", code="L2A103")
        return {}
    return parse_git_log(result.stdout.decode(sys.getfilesystemencoding(), "surrogateescape"))


def _git_log(root: Path, renames: str) -> subprocess.CompletedProcess[bytes] | None:
    return _git(
        root,
        "-c",
        "core.quotepath=off",
        "log",
        "--reverse",
        "--date-order",
        "-z",
        "--diff-filter=AR",
        renames,
        "--name-status",
        "--relative",
        "--format=%x01%h%x09%cs",
        "--",
        ".",
    )


def _stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else f"exit {result.returncode}"


def parse_git_log(output: str) -> dict[str, Added]:
    """Parse `git log -z --name-status --format=%x01%h%x09%cs` output, oldest commit first."""
    added: dict[str, Added] = {}
    for rank, chunk in enumerate(c for c in output.split("\x01") if c):
        header, _, body = chunk.partition("\0")
        commit, _, date = header.partition("\t")
        here = Added(rank, commit, date)
        tokens = iter(t for t in body.lstrip("\n").split("\0") if t)
        for status in tokens:
            if status.startswith(("R", "C")):
                old, new = next(tokens, ""), next(tokens, "")
                added.setdefault(new, added.get(old, here))
            else:
                added.setdefault(next(tokens, ""), here)
    return added
