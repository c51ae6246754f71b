"""What the legacy sources never say of an earlier schema is unknown, and stamp says so.

A project converted without git history: the only models are today's, and a legacy script
changes tasks.done (SET DEFAULT / SET NOT NULL on PostgreSQL, a table rebuild on SQLite)
without saying what it was. The baseline guesses it (no default, nullable); the real old
database had DEFAULT 1. Databases built the legacy way at every k are still stamped at their
revision: the guessed attributes are not compared before the revision that sets them, and the
report names them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from legacy import sa_url, schema_summary
from test_real_world_forms import alembic, cli, legacy_database, revisions, write_project
from test_stamp import output, stamp

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_tasks_done", "done"),
)
sa.Table(
    "notes", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text)
)
"""

NOTES = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"
DONE = {
    "postgres": """
UPDATE tasks SET done = 0 WHERE done IS NULL;
ALTER TABLE tasks ALTER COLUMN done SET DEFAULT 0;
ALTER TABLE tasks ALTER COLUMN done SET NOT NULL;
""",
    "sqlite": """
CREATE TABLE tasks_new (id INTEGER NOT NULL PRIMARY KEY, title VARCHAR(100) NOT NULL,
                        done INTEGER DEFAULT '0' NOT NULL);
INSERT INTO tasks_new (id, title, done) SELECT id, title, COALESCE(done, 0) FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
""",
}
INDEX = "CREATE INDEX ix_tasks_done ON tasks (done);\n"


def files(dialect: str) -> dict[str, str]:
    return {
        "migrations_manual_sql/001_notes.sql": NOTES,
        "migrations_manual_sql/002_done_not_null.sql": DONE[dialect],
        "migrations_manual_sql/003_index.sql": INDEX,
    }


def old_app_database(url: str) -> None:
    """What create_all() of the models before the scripts made: done had DEFAULT 1."""
    metadata = sa.MetaData()
    sa.Table(
        "tasks",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("done", sa.Integer, server_default="1"),
    )
    engine = sa.create_engine(sa_url(url))
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO tasks (title, done) VALUES ('a', NULL), ('b', 1)")
    finally:
        engine.dispose()


def check(tmp_path: Path, dialect: str, make_url) -> None:
    sources = files(dialect)
    project = write_project(tmp_path / "project", {**sources, "models.py": MODELS})
    migrations, report = converted_with_models(project, dialect)
    assert "so guessed: tasks.done default, nullable" in report
    chain = revisions(migrations)  # the baseline, then one per script
    urls = []
    for k in range(len(sources) + 1):
        url = make_url()
        old_app_database(url)
        legacy_database(project, url, list(sources)[:k])
        urls.append(url)
    url_file = tmp_path / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    result = stamp(project, "--url-file", str(url_file), "--yes", "--json")
    assert result.returncode == 0, output(result)
    done = next(migrations.glob("versions/*002_done_not_null.py"))
    assert "('tasks', 'done', 'default')" in done.read_text()
    for k, found in enumerate(json.loads(result.stdout)["databases"]):
        assert (found["status"], found["revision"]) == ("stamped", chain[k]), found
        notes = [n for n in found["notes"] if n.startswith("not compared: ")]
        if k < 2:
            assert len(notes) == 1 and "tasks.done default" in notes[0], notes
            assert notes[0].endswith("unknown before migrations_manual_sql/002_done_not_null.sql")
        else:
            assert notes == []
        alembic(migrations, urls[k], "upgrade", "head")
        assert schema_summary(urls[k], defaults=True) == schema_summary(urls[-1], defaults=True)


def converted_with_models(project: Path, dialect: str) -> tuple[Path, str]:
    result = cli("convert", str(project), "--dialect", dialect, "--models", "models:metadata")
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "migrations", result.stdout + result.stderr


def test_sqlite_guessed_baseline_is_stamped_at_every_k(tmp_path, sqlite_url_factory) -> None:
    check(tmp_path, "sqlite", sqlite_url_factory)


@pytest.mark.postgres
def test_postgres_guessed_baseline_is_stamped_at_every_k(tmp_path, pg_url_factory) -> None:
    check(tmp_path, "postgres", pg_url_factory)
