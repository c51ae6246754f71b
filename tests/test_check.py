"""check: passes on a converted, archived project without start-up create_all(); fails (exit 1)
with `file:line` on a new legacy script, a changed archived file, or create_all() outside tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_archive import cli, converted, make, ok, small_project


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    """The taskboard example converted, its create_all() retired, its scripts archived."""
    project = converted("sqlite_taskboard", tmp_path / "p")
    ok(cli("fix-create-all", str(project), "--write"))
    ok(cli("archive", str(project)))
    return project


def failures(project: Path) -> list[str]:
    result = cli("check", str(project))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: check failed:")
    return result.stdout.splitlines()


def test_passes_on_a_clean_archived_project(clean: Path) -> None:
    out = ok(cli("check", str(clean)))
    assert out.startswith("ok: no legacy script outside legacy_migrations/, 8 archived file(s)")


def test_a_new_legacy_script_or_manual_sql_file(clean: Path) -> None:
    make(
        clean,
        {
            "migrate_009_more.py": "print('x')\n",
            "migrations_manual_sql/010_more.sql": "ALTER TABLE t ADD COLUMN c INT;\n",
        },
    )
    lines = failures(clean)
    assert [line.split(": ")[0] for line in lines] == [
        "migrate_009_more.py:1",
        "migrations_manual_sql/010_more.sql:1",
    ]
    assert "legacy schema script outside legacy_migrations/" in lines[0]


def test_an_archived_file_changed_or_missing(clean: Path) -> None:
    with (clean / "legacy_migrations/migrate_002_user_profile_fields.py").open("a") as f:
        f.write("# tweak\n")
    (clean / "legacy_migrations/scripts/migrate_008_rename_done_column.py").unlink()
    lines = failures(clean)
    assert lines[0].startswith(
        "legacy_migrations/migrate_002_user_profile_fields.py:1: "
        "archived file changed since it was archived"
    )
    assert lines[1].startswith(
        "legacy_migrations/scripts/migrate_008_rename_done_column.py:1: archived file is missing"
    )
    assert len(lines) == 2


def test_create_all_outside_tests_but_not_in_tests(clean: Path) -> None:
    make(
        clean,
        {
            "tests/conftest.py": "from models import db\n\n\ndef setup(app):\n"
            "    with app.app_context():\n        db.create_all()\n",
            "manage.py": "from app import app\nfrom models import db\n\n"
            "with app.app_context():\n    db.create_all()\n",
        },
    )
    assert failures(clean) == [
        "manage.py:5: db.create_all() runs outside tests (startup code): the Alembic revisions "
        "own the schema now; see legacy2alembic fix-create-all"
    ]


def test_a_project_never_archived_is_checked_too(tmp_path: Path) -> None:
    project = converted("sqlite_taskboard", tmp_path / "p")
    lines = failures(project)
    assert lines[0].startswith("app.py:50: db.create_all() runs outside tests")
    assert "migrate_001_add_task_priority.py:1: converted into revision " in "\n".join(lines)
    assert "but not archived: run legacy2alembic archive" in lines[1]
    assert len(lines) == 1 + 8


def test_files_left_in_place_by_archive_pass_until_they_change(tmp_path: Path) -> None:
    project = small_project(tmp_path / "p")
    ok(cli("archive", str(project)))
    ok(cli("check", str(project)))
    (project / "migrations_manual_sql/002_email.sql").write_text("ALTER TABLE x ADD y INT;\n")
    assert failures(project)[0].startswith("migrations_manual_sql/002_email.sql:1: legacy schema")
