"""archive: converted legacy sources move into the archive (git mv in a git work tree) with a
manifest whose sha256 values are right; refusals (changed source, existing target) move nothing.

The helpers here (`cli`, `converted`, `tree`) are shared by the other tests of issue 4.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from legacy import copy_project, load_fixture

CLI = str(Path(sys.executable).parent / "legacy2alembic")
EPOCH = "1700000000"  # 2023-11-14 (UTC)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout


_CONVERTED: dict[tuple[str, bool], Path] = {}


def converted(fixture: str, dest: Path, *, git_history: bool = True) -> Path:
    """A copy of the fixture project, converted with its models (one conversion per session)."""
    key = (fixture, git_history)
    if key not in _CONVERTED:
        import tempfile

        fx = load_fixture(fixture)
        base = Path(tempfile.mkdtemp(prefix=f"l2a-{fixture}-")) / "project"
        copy_project(fx, base, git=git_history)
        dialect = "sqlite" if fx.dialect == "sqlite" else "postgresql"
        ok(cli("convert", str(base), "--dialect", dialect, "--models", fx.models))
        _CONVERTED[key] = base
    shutil.copytree(_CONVERTED[key], dest, symlinks=True)
    return dest


def recorded(project: Path) -> dict[str, tuple[str, str]]:
    """path -> (sha256, revision) as the revision files record them (read with ast)."""
    found = {}
    for file in (project / "migrations" / "versions").glob("*.py"):
        values = {
            t.id: ast.literal_eval(s.value)
            for s in ast.parse(file.read_text()).body
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name) and t.id in ("revision", "legacy_sources")
        }
        for path, sha in values.get("legacy_sources", ()):
            found[path] = (sha, values["revision"])
    return found


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


# ---- in a git repository -----------------------------------------------------------------------


def test_archive_in_git_repository_renames_and_records(tmp_path: Path) -> None:
    project = converted("sqlite_taskboard", tmp_path / "p")
    sources = recorded(project)
    out = ok(cli("archive", str(project)))

    status = git(project, "status", "--porcelain").splitlines()
    renames = sorted(line[3:] for line in status if line.startswith("R"))
    assert renames == sorted(f"{p} -> legacy_migrations/{p}" for p in sources)
    assert not [line for line in status if "D" in line[:2]], status
    assert "A  legacy_migrations/MANIFEST.json" in status

    manifest = json.loads((project / "legacy_migrations/MANIFEST.json").read_text())
    assert [e["path"] for e in manifest["files"]] == list(load_fixture("sqlite_taskboard").history)
    for entry in manifest["files"]:
        archived = project / entry["archived_as"]
        assert entry["archived_as"] == f"legacy_migrations/{entry['path']}"
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == entry["sha256"]
        assert (entry["sha256"], entry["revision"]) == sources[entry["path"]]
        assert entry["date"] == "2023-11-14" and entry["tool_version"]
        assert not (project / entry["path"]).exists()
    assert manifest["left_in_place"] == [
        {
            "path": "scripts/sql/003_due_dates.sql",
            "sha256": hashlib.sha256(
                (project / "scripts/sql/003_due_dates.sql").read_bytes()
            ).hexdigest(),
            "reason": "read by scripts/migrate_003_add_due_dates.py, converted with it",
        }
    ]
    assert "Left in place: scripts/sql/003_due_dates.sql" in out
    readme = (project / "legacy_migrations/README.md").read_text()
    assert "`migrate_001_add_task_priority.py`" in readme and "flask db upgrade" in readme


def test_second_run_has_nothing_to_archive(tmp_path: Path) -> None:
    project = converted("sqlite_taskboard", tmp_path / "p")
    ok(cli("archive", str(project)))
    before = tree(project)
    out = ok(cli("archive", str(project)))
    assert "Nothing to archive" in out
    assert tree(project) == before


def test_dry_run_moves_nothing(tmp_path: Path) -> None:
    project = converted("sqlite_taskboard", tmp_path / "p")
    before = tree(project)
    out = ok(cli("archive", str(project), "--dry-run"))
    assert (
        "git mv migrate_001_add_task_priority.py -> "
        "legacy_migrations/migrate_001_add_task_priority.py" in out
    )
    assert "Would write legacy_migrations/MANIFEST.json" in out
    assert tree(project) == before
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""


# ---- outside git, twins, files read by scripts -------------------------------------------------

SMALL = {
    "migrate_001_users.py": (
        "import os\nimport sqlite3\n\n"
        "SQL = os.path.join(os.path.dirname(__file__), 'migrations_manual_sql', '002_email.sql')\n"
        "conn = sqlite3.connect('app.db')\n"
        "conn.execute('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)')\n"
        "with open(SQL) as f:\n    conn.executescript(f.read())\nconn.commit()\n"
    ),
    "migrations_manual_sql/002_email.sql": "ALTER TABLE users ADD COLUMN email TEXT;\n",
    "migrations_manual_sql/003_notes_sqlite.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n",
    "migrations_manual_sql/003_notes_mysql.sql": "CREATE TABLE notes (id INT PRIMARY KEY);\n",
}


def small_project(root: Path) -> Path:
    make(root, SMALL)
    ok(cli("convert", str(root), "--dialect", "sqlite"))
    return root


def test_archive_outside_git_moves_twins_and_keeps_files_read_by_scripts(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    out = ok(cli("archive", str(project), "--dest", "archive/legacy"))
    assert "  move migrate_001_users.py -> archive/legacy/migrate_001_users.py" in out
    moved = [
        "migrate_001_users.py",
        "migrations_manual_sql/003_notes_sqlite.sql",
        "migrations_manual_sql/003_notes_mysql.sql",
    ]
    manifest = json.loads((project / "archive/legacy/MANIFEST.json").read_text())
    assert [e["path"] for e in manifest["files"]] == moved
    for entry in manifest["files"]:
        assert (project / entry["archived_as"]).read_text() == SMALL[entry["path"]]
        assert not (project / entry["path"]).exists()
    twin = manifest["files"][2]
    assert (
        twin["revision"] is None
        and "twin of migrations_manual_sql/003_notes_sqlite" in twin["note"]
    )
    assert [e["path"] for e in manifest["left_in_place"]] == ["migrations_manual_sql/002_email.sql"]
    assert (project / "migrations_manual_sql/002_email.sql").is_file()


def test_refuses_a_source_changed_since_conversion_and_moves_nothing(tmp_path: Path) -> None:
    project = converted("sqlite_taskboard", tmp_path / "p")
    with (project / "migrate_004_task_tags.py").open("a") as f:
        f.write("# edited after conversion\n")
    before = tree(project)
    result = cli("archive", str(project))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "migrate_004_task_tags.py: sha256" in result.stderr
    assert "nothing was archived" in result.stderr
    assert tree(project) == before


def test_refuses_to_overwrite_a_file_in_the_archive(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    make(project, {"legacy_migrations/migrate_001_users.py": "mine\n"})
    before = tree(project)
    result = cli("archive", str(project))
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: refusing to overwrite legacy_migrations/migrate_001_users.py"
    )
    assert tree(project) == before


@pytest.mark.parametrize("dest", ["../outside", "/tmp/abs", "migrations/old"])
def test_refuses_an_archive_outside_the_project_or_in_the_migrations(
    tmp_path: Path, dest: str
) -> None:
    project = small_project(tmp_path / "p")
    result = cli("archive", str(project), "--dest", dest)
    assert result.returncode == 2 and "--dest" in result.stderr


def test_refuses_without_converted_revisions(tmp_path: Path) -> None:
    project = make(tmp_path / "p", SMALL)
    result = cli("archive", str(project))
    assert result.returncode == 2 and "run legacy2alembic convert first" in result.stderr


def test_a_failed_move_puts_everything_back(tmp_path: Path, monkeypatch) -> None:
    from converter.commands.archive import run_archive
    from converter.core.errors import InputError
    from converter.retire.archive import execute

    project = small_project(tmp_path / "p")
    before = tree(project)
    real = execute._move_file
    calls = []

    def failing(root: Path, source: str, target: str, git: bool) -> None:
        calls.append(source)
        if len(calls) == 3:
            raise OSError("disk full")
        real(root, source, target, git)

    monkeypatch.setattr(execute, "_move_file", failing)
    with pytest.raises(InputError, match="archiving failed .*disk full.*moved back 2 file"):
        run_archive(project, dest="legacy_migrations", migrations=None, dry_run=False)
    assert tree(project) == before
    assert not (project / "legacy_migrations").exists()
