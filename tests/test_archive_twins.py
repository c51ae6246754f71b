"""archive and check know the files convert left out because another file carries their change:
a script repeating a converted .sql file, a MySQL file recognised by its content (issue 10).
convert -> fix-create-all -> archive -> check passes on every fixture project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from legacy import all_fixtures, copy_project, load_fixture
from test_archive import cli, make, ok


def _converted(fixture: str, dest: Path) -> Path:
    fx = load_fixture(fixture)
    copy_project(fx, dest)
    ok(cli("convert", str(dest), "--dialect", fx.dialect, "--models", fx.models))
    return dest


@pytest.mark.parametrize("fixture", all_fixtures())
def test_convert_archive_check_passes(fixture: str, tmp_path: Path) -> None:
    project = _converted(fixture, tmp_path / "p")
    ok(cli("fix-create-all", str(project), "--write"))
    out = ok(cli("archive", str(project)))
    assert "Not converted, left in place" not in out
    assert ok(cli("check", str(project))).startswith("ok: no legacy script outside")


def test_fieldnotes_twins_move_with_the_revision_that_carries_them(tmp_path: Path) -> None:
    project = _converted("sqlite_fieldnotes", tmp_path / "p")
    before = cli("check", str(project))
    assert before.returncode == 1
    lines = before.stdout.splitlines()
    assert (
        "migrations/migrate_002_add_due_date.py:1: script twin of migrations/002_add_due_date.sql "
        "(runs the same statements); not converted itself; migrations/002_add_due_date.sql was "
        "converted into revision "
    ) in "\n".join(lines)
    assert (
        "sql/widen_label_name.sql:1: written for mysql, not converted for sqlite; history of "
        "another database: run legacy2alembic archive (--dest legacy_migrations) to archive it"
    ) in lines
    assert "legacy schema script outside" not in before.stdout

    ok(cli("archive", str(project)))
    manifest = json.loads((project / "legacy_migrations/MANIFEST.json").read_text())
    paths = [entry["path"] for entry in manifest["files"]]
    at = paths.index("migrations/002_add_due_date.sql")
    assert paths[at + 1] == "migrations/migrate_002_add_due_date.py"
    assert paths[-1] == "sql/widen_label_name.sql"
    notes = {e["path"]: (e["revision"], e.get("note")) for e in manifest["files"]}
    assert notes["sql/widen_label_name.sql"] == (
        None,
        "written for mysql, not converted for sqlite",
    )
    assert notes["migrations/migrate_002_add_due_date.py"][0] is None


def test_a_new_file_in_the_chain_dialect_is_still_reported(tmp_path: Path) -> None:
    """A MySQL-only file in a MySQL project that no revision records is a new script, not a twin."""
    project = _converted("mysql_library", tmp_path / "p")
    ok(cli("fix-create-all", str(project), "--write"))
    ok(cli("archive", str(project)))
    make(project, {"sql/widen.sql": "ALTER TABLE books MODIFY COLUMN title VARCHAR(300);\n"})
    result = cli("check", str(project))
    assert result.returncode == 1
    assert result.stdout.startswith("sql/widen.sql:1: legacy schema script outside")


def test_a_script_that_does_more_than_the_sql_file_is_not_its_twin(tmp_path: Path) -> None:
    project = _converted("sqlite_fieldnotes", tmp_path / "p")
    make(
        project,
        {
            "migrations/migrate_009_due.py": "import sqlite3\nc = sqlite3.connect('x.db')\n"
            "c.execute('ALTER TABLE tasks ADD COLUMN due_date DATE')\n"
            "c.execute('CREATE INDEX ix_tasks_due_date ON tasks (due_date)')\n"
            "c.execute('ALTER TABLE tasks ADD COLUMN done BOOLEAN')\n",
        },
    )
    out = ok(cli("archive", str(project)))
    assert "Not converted, left in place: migrations/migrate_009_due.py" in out
