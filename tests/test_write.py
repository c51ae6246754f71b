"""write: files land inside the folder only, never over an existing file, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from converter.core.errors import InputError
from converter.render import write
from converter.render.write import write_new_files

FILES = {"env.py": "print('env')\n", "versions/abc_first.py": "x = 'é'\r\n", "README": ""}


def _tree(root: Path) -> dict[str, bytes]:
    """Every file and link under root (relative path -> bytes, or the link target)."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}".encode()
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def test_writes_new_files_creating_folders_with_exact_bytes(tmp_path):
    out = tmp_path / "new" / "migrations"
    written = write_new_files(out, FILES)
    assert written == [
        out.resolve() / "env.py",
        out.resolve() / "versions" / "abc_first.py",
        out.resolve() / "README",
    ]
    assert _tree(out) == {rel: text.encode("utf-8") for rel, text in FILES.items()}


def test_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_new_files(tmp_path, {"a.py": "a"})
    finally:
        os.umask(old)
    assert (tmp_path / "a.py").stat().st_mode & 0o777 == 0o644


def test_dry_run_touches_nothing(tmp_path):
    out = tmp_path / "migrations"
    assert write_new_files(out, FILES, dry_run=True) == [
        out.resolve() / "env.py",
        out.resolve() / "versions" / "abc_first.py",
        out.resolve() / "README",
    ]
    assert not out.exists()


def test_dry_run_refuses_like_a_real_run(tmp_path):
    (tmp_path / "env.py").write_text("mine")
    with pytest.raises(InputError, match="env.py already exists"):
        write_new_files(tmp_path, FILES, dry_run=True)


def test_refuses_before_writing_anything_when_one_target_exists(tmp_path):
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "abc_first.py").write_text("user's own")
    with pytest.raises(InputError, match=r"abc_first\.py already exists; refusing to overwrite"):
        write_new_files(tmp_path, FILES)
    assert _tree(tmp_path) == {"versions/abc_first.py": b"user's own"}


def test_an_existing_symlink_counts_as_existing_even_dangling(tmp_path):
    os.symlink(tmp_path / "nowhere", tmp_path / "env.py")
    with pytest.raises(InputError, match="already exists"):
        write_new_files(tmp_path, {"env.py": "x"})
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "rel",
    [
        "/etc/passwd",
        "../escape.py",
        "versions/../../escape.py",
        "a/./b.py",
        "a//b.py",
        "",
        "versions/",
        ".",
        "C:/x.py",
        "a\\..\\b.py",
        "nul\0byte",
    ],
)
def test_rejects_paths_that_are_not_plain_relative_paths(tmp_path, rel):
    out = tmp_path / "migrations"
    with pytest.raises(InputError, match="not a plain relative path"):
        write_new_files(out, {"ok.py": "fine", rel: "bad"})
    assert not out.exists()


def test_rejects_a_symlinked_folder_that_leads_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "migrations"
    out.mkdir()
    os.symlink(outside, out / "versions")
    with pytest.raises(InputError, match="symbolic link leads outside"):
        write_new_files(out, {"versions/x.py": "x"})
    assert list(outside.iterdir()) == []


def test_a_symlink_inside_the_folder_is_fine(tmp_path):
    out = tmp_path / "migrations"
    (out / "real").mkdir(parents=True)
    os.symlink(out / "real", out / "versions")
    write_new_files(out, {"versions/x.py": "x"})
    assert (out / "real" / "x.py").read_text() == "x"


def test_the_output_folder_itself_may_be_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    write_new_files(tmp_path / "link", {"versions/x.py": "x"})
    assert (tmp_path / "real" / "versions" / "x.py").read_text() == "x"


def test_refuses_a_file_where_a_folder_is_needed(tmp_path):
    (tmp_path / "versions").write_text("a file")
    with pytest.raises(InputError, match="is not a directory"):
        write_new_files(tmp_path, {"versions/x.py": "x"})
    with pytest.raises(InputError, match="needs? a folder where another file is written"):
        write_new_files(tmp_path / "new", {"a": "file", "a/b.py": "x"})
    assert not (tmp_path / "new").exists()


def test_refuses_an_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "migrations").write_text("a file")
    with pytest.raises(InputError, match="not a directory"):
        write_new_files(tmp_path / "migrations", {"x.py": "x"})


def test_same_file_twice_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "alias")
    with pytest.raises(InputError, match="given twice"):
        write_new_files(tmp_path, {"real/x.py": "a", "alias/x.py": "b"})
    assert list((tmp_path / "real").iterdir()) == []


def test_failure_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    real = write.write_exclusive
    calls = []

    def failing(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "write_exclusive", failing)
    out = tmp_path / "migrations"
    with pytest.raises(OSError, match="No space left"):
        write_new_files(out, FILES)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_what_existed_before(tmp_path, monkeypatch):
    (tmp_path / "versions").mkdir()
    (tmp_path / "keep.txt").write_text("mine")

    def no_link(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(write.os, "link", no_link)
    with pytest.raises(KeyboardInterrupt):
        write_new_files(tmp_path, {"versions/a.py": "a", "new/b.py": "b"})
    assert _tree(tmp_path) == {"keep.txt": b"mine"}
    assert (tmp_path / "versions").is_dir()


def test_a_file_appearing_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    real_link = os.link

    def racing_link(src, dst):
        Path(dst).write_text("someone else's")
        real_link(src, dst)

    monkeypatch.setattr(write.os, "link", racing_link)
    with pytest.raises(InputError, match="already exists"):
        write_new_files(tmp_path, {"a.py": "ours"})
    assert _tree(tmp_path) == {"a.py": b"someone else's"}


def test_file_systems_without_hard_links_still_get_exclusive_creation(tmp_path, monkeypatch):
    def unsupported(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(write.os, "link", unsupported)
    write_new_files(tmp_path, {"versions/a.py": "a"})
    assert _tree(tmp_path) == {"versions/a.py": b"a"}


def test_texts_given_as_functions_are_produced_when_written(tmp_path: Path) -> None:
    produced: list[str] = []

    def later(name: str):
        def make() -> str:
            produced.append(name)
            return f"{name}\n"

        return make

    out = tmp_path / "out"
    files = {"a.txt": later("a"), "b.txt": "b\n"}
    assert write_new_files(out, files, dry_run=True) == [out / "a.txt", out / "b.txt"]
    assert produced == ["a"] and not out.exists()
    write_new_files(out, files)
    assert (out / "a.txt").read_text() == "a\n" and (out / "b.txt").read_text() == "b\n"


def test_a_text_that_fails_to_be_produced_leaves_nothing_behind(tmp_path: Path) -> None:
    def broken() -> str:
        raise RuntimeError("render failed")

    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        write_new_files(out, {"versions/a.py": "a\n", "versions/b.py": broken})
    assert not out.exists()
