"""Reading the project's files safely: only regular files, inside the project, of bounded size.

The tool runs on repositories its user did not write (CI on pull requests). A legacy source, a file
a script reads, or a setting's path may be a symlink to `/proc/self/environ`, a FIFO that blocks
forever, or `/dev/zero`. Every path that comes from the project is resolved (symlinks included)
and must stay inside the project root; every read checks the file type and size before reading,
and errors never quote the file's content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from converter.core.diagnostics import Origin
from converter.core.errors import InputError

MAX_SOURCE_BYTES = 10 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def inside(root: Path, path: Path) -> Path | None:
    """`path` with every symlink resolved, when it lies inside `root`; else None."""
    base = root.resolve()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return resolved if resolved == base or resolved.is_relative_to(base) else None


def project_path(root: Path, relative: str | Path, origin: Origin) -> Path:
    """`root / relative`, resolved; an InputError when it leads outside the project."""
    path = inside(root, root / relative)
    if path is None:
        raise InputError(
            f"{relative} resolves outside the project ({root}): refused, not read", origin
        )
    return path


def read_project_file(root: Path, relative: str | Path, origin: Origin | None = None) -> bytes:
    """The bytes of a project file, refused when it resolves outside `root` (see `read_regular`)."""
    where = origin or Origin(str(relative))
    return read_regular(project_path(root, relative, where), where)


def read_regular(path: Path, origin: Origin, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. FIFOs, devices and folders are
    refused before anything is read (opened non-blocking, so that a FIFO cannot hang the run)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", origin) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        _check_regular(info, limit, origin)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(_too_large(limit), origin)
    return data


def _check_regular(info: os.stat_result, limit: int, origin: Origin) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"not a regular file ({_kind(info.st_mode)}): refused, not read", origin)
    if info.st_size > limit:
        raise InputError(_too_large(limit), origin)


def _too_large(limit: int) -> str:
    return f"larger than {limit // (1024 * 1024)} MiB: refused, not read"


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISDIR: "a folder",
        stat.S_ISSOCK: "a socket",
    }
    return next((name for test, name in kinds.items() if test(mode)), "not a file")
