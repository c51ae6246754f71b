"""onboard: scan + convert + verify on every fixture, then the steps left (stamp per environment,
fix-create-all, archive) and migrations/ONBOARDING.md; exit 1 when verify fails (report written)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from legacy import LegacyTemplates, copy_project, load_fixture
from test_archive import cli, make, ok

FIXTURES = ["sqlite_taskboard", "sqlite_messy", "postgres_invoicing"]
# sqlite_messy adds a column with SQL built at run time: a TODO until a human ports it, so the
# chain does not build today's schema and verify says which column is missing.
VERIFY_FAILS = {"sqlite_messy": "table users: column nickname missing"}


def finished(result: subprocess.CompletedProcess[str], fixture: str) -> str:
    if fixture not in VERIFY_FAILS:
        return ok(result)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "verify: FAILED" in result.stdout and VERIFY_FAILS[fixture] in result.stdout
    assert "Traceback" not in result.stderr
    return result.stdout


def onboard(project: Path, fixture: str, *extra: str) -> subprocess.CompletedProcess[str]:
    fx = load_fixture(fixture)
    return cli("onboard", str(project), "--dialect", fx.dialect, "--models", fx.models, *extra)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> list[str]:
    """--server-url for the PostgreSQL fixture (skipped without L2A_PG_URL)."""
    if "postgres" not in request.node.callspec.params["fixture"]:
        return []
    return ["--server-url", request.getfixturevalue("pg_server_url")]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_onboard_every_fixture(tmp_path: Path, fixture: str, server: list[str]) -> None:
    fx = load_fixture(fixture)
    project = copy_project(fx, tmp_path / "p", git=True)
    out = finished(onboard(project, fixture, *server), fixture)

    for env in ("development", "staging", "production"):
        block = out[out.index(f"# {env}: DATABASE_URL") :]
        dry = block.index('legacy2alembic stamp . --url "$DATABASE_URL" --dry-run')
        assert dry < block.index('legacy2alembic stamp . --url "$DATABASE_URL"\n')
    assert "# back up first:" in out
    assert "-        db.create_all()" in out and "legacy2alembic fix-create-all . --write" in out
    assert "legacy2alembic archive . --dry-run" in out and "legacy2alembic check ." in out

    report = (project / "migrations" / "ONBOARDING.md").read_text()
    assert out.rstrip().endswith(f"Wrote the onboarding report {project}/migrations/ONBOARDING.md")
    for source in fx.applied:
        assert f"| `{source}` |" in report
    for section in (
        "## Outcome",
        "## Legacy sources -> revisions",
        "## Statements per kind",
        "## Warnings and TODOs",
        "## Verify",
        "## What is left",
        "## Checklist",
    ):
        assert section in report
    assert ("**Verify passed**" in report) == (fixture not in VERIFY_FAILS)
    assert "- [ ] Back up every database before stamping it" in report
    assert "Never run `flask db stamp head` blindly" in report


def test_messy_project_lists_every_todo_with_file_and_line(tmp_path: Path) -> None:
    project = copy_project(load_fixture("sqlite_messy"), tmp_path / "p", git=True)
    finished(onboard(project, "sqlite_messy"), "sqlite_messy")
    report = (project / "migrations" / "ONBOARDING.md").read_text()
    assert "- migrate_add_user_column.py:21: todo: port by hand" in report
    assert "- migrate_normalize_emails.py:14: todo: port by hand" in report
    assert re.search(
        r"- migrations/versions/\w+_migrate_add_user_column\.py:\d+: "
        r"TODO\(legacy2alembic\)",
        report,
    )
    assert "2 TODO(s) need a manual port first" in report
    assert "- `migrations_manual_sql/002_add_archived_mysql.sql`: twin for mysql" in report


def test_a_second_run_is_a_no_op_and_an_edited_report_is_never_overwritten(tmp_path: Path) -> None:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p", git=True)
    ok(onboard(project, "sqlite_taskboard"))
    report = project / "migrations" / "ONBOARDING.md"
    assert ok(onboard(project, "sqlite_taskboard")).rstrip().endswith("is up to date.")
    report.write_text(report.read_text() + "- [x] our own note\n")
    result = onboard(project, "sqlite_taskboard")
    assert result.returncode == 2
    assert "ONBOARDING.md exists and differs from this run's report; refusing" in result.stderr
    assert report.read_text().endswith("- [x] our own note\n")


def test_verify_failure_exits_1_and_still_writes_the_report(tmp_path: Path) -> None:
    project = make(
        tmp_path / "p",
        {
            "models.py": "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
            "sa.Table('items', metadata, sa.Column('id', sa.Integer, primary_key=True),"
            " sa.Column('extra', sa.Text))\n",
            "migrate_001_items.py": "import sqlite3\n\nconn = sqlite3.connect('app.db')\n"
            "conn.execute('CREATE TABLE items (id INTEGER PRIMARY KEY)')\n",
        },
    )
    result = cli("onboard", str(project), "--dialect", "sqlite", "--models", "models:metadata")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "verify: FAILED" in result.stdout
    assert result.stderr.startswith("error: verify failed")
    report = (project / "migrations" / "ONBOARDING.md").read_text()
    assert "**Verify failed.**" in report and "table items: column extra missing" in report


def test_another_migrations_folder_is_named_in_every_command(tmp_path: Path) -> None:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p", git=True)
    out = ok(onboard(project, "sqlite_taskboard", "--out", str(project / "db" / "alembic")))
    assert 'legacy2alembic stamp . --migrations db/alembic --url "$DATABASE_URL" --dry-run' in out
    assert "legacy2alembic archive . --migrations db/alembic --dry-run" in out
    assert (project / "db" / "alembic" / "ONBOARDING.md").is_file()


def test_the_readme_walkthrough_from_legacy_scripts_to_an_archived_stamped_project(
    tmp_path: Path, legacy_sqlite: LegacyTemplates
) -> None:
    """onboard, fix-create-all --write, archive, check; an existing database built by the legacy
    scripts is stamped (dry run first); `flask db upgrade` builds a new database."""
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p", git=True)
    ok(onboard(project, "sqlite_taskboard"))
    ok(cli("fix-create-all", str(project), "--write"))
    ok(cli("archive", str(project)))
    assert ok(cli("check", str(project))).startswith("ok:")

    existing = tmp_path / "existing.db"
    legacy_sqlite.copy("sqlite_taskboard", f"sqlite:///{existing}")
    ok(cli("stamp", str(project), "--url", f"sqlite:///{existing}", "--dry-run"))
    ok(cli("stamp", str(project), "--url", f"sqlite:///{existing}", "--yes"))
    (head,) = recorded_heads(project)
    assert query(existing, "SELECT version_num FROM alembic_version") == {head}

    new = tmp_path / "new.db"
    env = {**os.environ, "FLASK_APP": "app", "DATABASE_URL": f"sqlite:///{new}"}
    flask = str(Path(sys.executable).parent / "flask")
    result = subprocess.run(
        [flask, "db", "upgrade"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    tables = query(new, "SELECT name FROM sqlite_master WHERE type='table'")
    assert {"users", "projects", "tasks", "tags", "task_tags", "notifications"} <= tables
    assert query(new, "SELECT version_num FROM alembic_version") == {head}


def recorded_heads(project: Path) -> set[str]:
    """The head revision id: the one no other revision names as its down_revision."""
    ids, downs = set(), set()
    for file in (project / "migrations" / "versions").glob("*.py"):
        text = file.read_text()
        ids.add(re.search(r"^revision = '(\w+)'", text, re.M).group(1))
        downs.add(re.search(r"^down_revision = '?(\w+)'?", text, re.M).group(1))
    return ids - downs


def query(database: Path, sql: str) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {row[0] for row in conn.execute(sql)}
