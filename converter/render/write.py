"""Write generated files safely: inside one folder only, never over an existing file, atomically.

All targets are checked before anything is written, so a refusal leaves the disk untouched. Each
file is written to a temporary name in its final directory, flushed to disk, then hard-linked to
its final name (`os.link` fails when the name exists, so even a file appearing meanwhile is never
overwritten). When anything fails midway, the files and folders this call created are removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PureWindowsPath

from converter.core.errors import InputError

Content = str | Callable[[], str]


def text_of(content: Content) -> str:
    """A file's text: given, or produced now by the function given instead."""
    return content if isinstance(content, str) else content()


def write_new_files(
    out_dir: Path, files: Mapping[str, Content], dry_run: bool = False
) -> list[Path]:
    """Write `files` (relative posix path -> text, or a function producing it when the file is
    written, so that one file's text at a time is in memory) under `out_dir`; return the paths
    written, in the order given. With `dry_run`, check everything (texts are produced, then
    dropped) and return them without writing."""
    root = out_dir.resolve()
    targets = [_target(root, rel) for rel in files]
    _check_targets(root, targets)
    if dry_run:
        for content in files.values():
            text_of(content)
        return targets
    with _rollback() as created:
        for target, content in zip(targets, files.values()):
            _make_dirs(root, target.parent, created)
            _write_new(target, text_of(content).encode("utf-8"))
            created.append(target)
            _fsync_dir(target.parent)
    return targets


# ---- checks ------------------------------------------------------------------------------------


def _target(root: Path, rel: str) -> Path:
    """The absolute path of `rel` under `root`, refusing anything that could land elsewhere."""
    parts = rel.split("/")
    if (
        "\0" in rel
        or "\\" in rel
        or PureWindowsPath(rel).drive
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise InputError(f"refusing to write {rel!r}: not a plain relative path inside {root}")
    target = root.joinpath(*parts)
    if not target.parent.resolve().is_relative_to(root):
        raise InputError(f"refusing to write {rel!r}: a symbolic link leads outside {root}")
    return target


def _check_targets(root: Path, targets: list[Path]) -> None:
    """Refuse before writing anything: existing names, duplicates, a file where a folder goes."""
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} exists and is not a directory")
    seen: set[Path] = set()
    for target in targets:
        if os.path.lexists(target):
            raise InputError(f"{target} already exists; refusing to overwrite it")
        real = target.parent.resolve() / target.name
        if real in seen:
            raise InputError(f"{target} is given twice")
        seen.add(real)
        _check_parents(root, target)
    for target in targets:
        folder = target.parent.resolve()
        if {folder, *folder.parents} & seen:
            raise InputError(f"{target} would need a folder where another file is written")


def _check_parents(root: Path, target: Path) -> None:
    for parent in target.relative_to(root).parents:
        folder = root / parent
        if os.path.lexists(folder) and not folder.is_dir():
            raise InputError(f"{folder} exists and is not a directory; cannot write {target}")


# ---- writing -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _rollback() -> Iterator[list[Path]]:
    """Yield a list to record created paths in; on error, remove them newest first."""
    created: list[Path] = []
    try:
        yield created
    except BaseException:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    path.unlink()
        raise


def _make_dirs(root: Path, folder: Path, created: list[Path]) -> None:
    """Create `folder` and its missing parents, recording each one created."""
    missing = [p for p in (folder, *folder.parents) if not os.path.lexists(p)]
    for path in reversed(missing):
        path.mkdir()
        created.append(path)
    if not folder.resolve().is_relative_to(root):
        raise InputError(f"refusing to write in {folder}: it leads outside {root}")


def _write_new(target: Path, data: bytes) -> None:
    """Create `target` with `data` atomically; never replaces an existing file."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    write_exclusive(temp, data)
    try:
        _publish(temp, target, data)
    except FileExistsError:
        raise InputError(f"{target} already exists; refusing to overwrite it") from None
    finally:
        temp.unlink()


def _publish(temp: Path, target: Path, data: bytes) -> None:
    """Give the complete temporary file its final name (FileExistsError if that is taken)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:
        write_exclusive(target, data)  # no hard links on this file system: O_EXCL instead


def write_exclusive(path: Path, data: bytes) -> None:
    """Write a new file with O_EXCL and flush it to disk; remove it again if writing fails."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink()
        raise


def _fsync_dir(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
